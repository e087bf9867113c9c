import { inApiGroup, field, isObj, isSystemIdentity, str, succeeded } from '../objects.js';
import { authorizationRule, AUTHZ_GROUP, describeAttributes } from './helpers.js';

export const permissionEnumeration = authorizationRule({ id: 'permission-enumeration', title: 'Permissions enumerated with a self-subject review', severity: 'low', mitre: ['T1069', 'T1613'] }, ({ record, event }) => {
  if (record.resource !== 'selfsubjectaccessreviews' && record.resource !== 'selfsubjectrulesreviews') return undefined;
  if (record.verb !== 'create' || !succeeded(record) || !inApiGroup(record, AUTHZ_GROUP) || isSystemIdentity(record)) return undefined;
  const request = isObj(event.requestObject) ? event.requestObject : undefined;
  const response = isObj(event.responseObject) ? event.responseObject : undefined;
  const rulesReview = record.resource === 'selfsubjectrulesreviews';
  const resourceAttributes = field(request, 'spec', 'resourceAttributes');
  const nonResourceAttributes = field(request, 'spec', 'nonResourceAttributes');
  const namespace = str(field(request, 'spec', 'namespace')) ?? record.namespace;
  const allowed = field(response, 'status', 'allowed');
  return {
    summary: rulesReview
      ? `${record.user} listed its own permissions${namespace ? ` in namespace ${namespace}` : ''} with a SelfSubjectRulesReview.`
      : `${record.user} asked whether it may ${describeAttributes(resourceAttributes, nonResourceAttributes)} with a SelfSubjectAccessReview.`,
    evidence: {
      user: record.user,
      resource: record.resource,
      ...(rulesReview ? { namespace: namespace ?? null } : {}),
      ...(isObj(resourceAttributes) ? { resourceAttributes } : {}),
      ...(isObj(nonResourceAttributes) ? { nonResourceAttributes } : {}),
      ...(typeof allowed === 'boolean' ? { allowed } : {}),
      userAgent: record.userAgent,
    },
  };
});
