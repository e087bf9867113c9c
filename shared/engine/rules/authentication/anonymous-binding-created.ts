import { inApiGroup, field, str, succeeded, writtenObject } from '../objects.js';
import { authenticationRule, anonymousUser, unauthenticatedGroup, bindingResources, bindingWrites, discoveryRoles, authenticatedGroup, subjectsOf } from './helpers.js';

export const anonymousBindingCreated = authenticationRule({ id: 'anonymous-binding-created', title: 'Role bound to anonymous or all users', severity: 'critical', mitre: ['T1098', 'T1078.001'] }, ({ record, event }) => {
  if (record.resource === null || !bindingResources.has(record.resource) || record.subresource !== null) return undefined;
  if (!bindingWrites.has(record.derivedVerb) || !inApiGroup(record, 'rbac.authorization.k8s.io') || !succeeded(record)) return undefined;
  const binding = writtenObject(event);
  if (!binding) return undefined;
  // roleRef is immutable, so a patch usually omits it: then the role is unknown (null).
  const roleKind = str(field(binding, 'roleRef', 'kind')) ?? null;
  const roleName = str(field(binding, 'roleRef', 'name')) ?? null;
  const discovery = roleName !== null && discoveryRoles.has(roleName);
  // The API server reconciles its default bindings (system:public-info-viewer to system:unauthenticated)
  // at start-up as system:apiserver: control-plane writes of discovery roles are that, not an attack.
  if (discovery && record.identityKind === 'controlplane') return undefined;
  const matched = subjectsOf(binding).filter(
    (s) =>
      (s.kind === 'User' && s.name === anonymousUser) ||
      (s.kind === 'Group' && s.name === unauthenticatedGroup) ||
      // system:authenticated with an unknown role (patch) is not reported: that would be a guess.
      (s.kind === 'Group' && s.name === authenticatedGroup && roleName !== null && !discovery),
  );
  if (matched.length === 0) return undefined;
  const kind = record.resource === 'clusterrolebindings' ? 'ClusterRoleBinding' : 'RoleBinding';
  const bindingName = record.name ?? str(field(binding, 'metadata', 'name')) ?? null;
  return {
    summary: `${record.user} ${record.derivedVerb === 'create' ? 'created' : 'changed'} ${kind} ${bindingName ?? ''} binding ${roleKind ?? 'role'} ${roleName ?? '(unknown)'} to ${matched.map((s) => s.name).join(', ')}.`,
    evidence: {
      binding: kind,
      name: bindingName,
      namespace: record.namespace,
      roleRef: { kind: roleKind, name: roleName },
      subjects: matched,
      verb: record.derivedVerb,
    },
  };
});
