// A generated audit log of many identities whose RBAC changes as it goes, written from the Kubernetes API
// reference (RBAC, admission registration, apps, core): for the scale-out tests and benchmark, where the
// verdicts of N analyzers must equal one's. Deterministic: the same options give the same events.
//
// An administrator creates per-team Roles and RoleBindings, binds and unbinds developers, adds and removes a
// cluster-admin binding, creates webhooks, namespaces and deployments; developers read pods, the API server
// answering as RBAC would (and now and then allowing what RBAC does not: authz-decision-mismatch); another
// identity turns a webhook fail-open, injects a container into a deployment and weakens a namespace, which
// only state learnt from the administrator's events can judge.

export interface FleetStreamOptions {
  /** developers reading (default 40) */
  developers?: number;
  /** rounds of changes, each followed by reads (default 20) */
  rounds?: number;
  /** reads per round (default 200) */
  readsPerRound?: number;
  cluster?: string;
  /** the first event's time (default 2026-11-02T09:00:00Z) */
  start?: string;
}

const rbacGroup = 'rbac.authorization.k8s.io';
const admin = { username: 'ops-admin', groups: ['ops', 'system:authenticated'] };
const ci = { username: 'system:serviceaccount:ci:deployer', groups: ['system:serviceaccounts', 'system:serviceaccounts:ci', 'system:authenticated'] };
const intruder = { username: 'contractor-7', groups: ['system:authenticated'] };

/** The events, in the order the kube-apiserver would send them. */
export function fleetStream(options: FleetStreamOptions = {}): Record<string, unknown>[] {
  const { developers = 40, rounds = 20, readsPerRound = 200, start = '2026-11-02T09:00:00Z' } = options;
  const events: Record<string, unknown>[] = [];
  let clock = Date.parse(start);
  let seq = 0;
  const teams = 4;
  const bound = new Set<string>(); // `${team}/${dev}`
  const clusterAdmins = new Set<number>();
  const roleSecrets = new Map<number, boolean>();
  const dev = (i: number) => ({ username: `dev-${String(i)}`, groups: ['developers', 'system:authenticated'] });

  function emit(fields: {
    user: { username: string; groups: string[] };
    verb: string;
    uri: string;
    ref: Record<string, unknown>;
    code?: number;
    decision?: 'allow' | 'forbid';
    reason?: string;
    request?: unknown;
    response?: unknown;
    agent?: string;
  }): void {
    clock += 37 + (seq % 11);
    seq++;
    const time = new Date(clock).toISOString().replace('Z', '000Z');
    const code = fields.code ?? 200;
    events.push({
      kind: 'Event',
      apiVersion: 'audit.k8s.io/v1',
      level: 'RequestResponse',
      auditID: `fleet-${String(seq).padStart(7, '0')}`,
      stage: 'ResponseComplete',
      requestURI: fields.uri,
      verb: fields.verb,
      user: fields.user,
      sourceIPs: [`10.20.${String(seq % 7)}.${String(10 + (seq % 50))}`],
      userAgent: fields.agent ?? 'kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46',
      objectRef: fields.ref,
      responseStatus: { metadata: {}, code },
      ...(fields.request === undefined ? {} : { requestObject: fields.request }),
      ...(fields.response === undefined ? {} : { responseObject: fields.response }),
      requestReceivedTimestamp: time,
      stageTimestamp: time,
      annotations: {
        'authorization.k8s.io/decision': fields.decision ?? (code === 403 ? 'forbid' : 'allow'),
        'authorization.k8s.io/reason': fields.reason ?? '',
      },
    });
  }

  const adminWrite = (verb: string, resource: string, namespace: string | undefined, name: string, object: unknown, group = rbacGroup) => {
    const base = group === '' ? '/api/v1' : `/apis/${group}/v1`;
    const path = `${base}${namespace === undefined ? '' : `/namespaces/${namespace}`}/${resource}${verb === 'create' ? '' : `/${name}`}`;
    emit({
      user: admin,
      verb,
      uri: path,
      ref: { resource, ...(namespace === undefined ? {} : { namespace }), name, apiGroup: group, apiVersion: 'v1' },
      reason: 'RBAC: allowed by ClusterRoleBinding "ops-admins" of ClusterRole "cluster-admin" to Group "ops"',
      ...(verb === 'delete' ? { response: { kind: 'Status', apiVersion: 'v1', status: 'Success' } } : { request: object, response: object }),
    });
  };
  const role = (team: number, withSecrets: boolean) => ({
    kind: 'Role',
    apiVersion: `${rbacGroup}/v1`,
    metadata: { name: 'reader', namespace: `team-${String(team)}` },
    rules: [{ apiGroups: [''], resources: withSecrets ? ['pods', 'secrets'] : ['pods'], verbs: ['get', 'list'] }],
  });
  const binding = (team: number, d: number) => ({
    kind: 'RoleBinding',
    apiVersion: `${rbacGroup}/v1`,
    metadata: { name: `bind-dev-${String(d)}`, namespace: `team-${String(team)}` },
    roleRef: { apiGroup: rbacGroup, kind: 'Role', name: 'reader' },
    subjects: [{ kind: 'User', apiGroup: rbacGroup, name: `dev-${String(d)}` }],
  });
  const webhook = (policy: 'Fail' | 'Ignore') => ({
    kind: 'ValidatingWebhookConfiguration',
    apiVersion: 'admissionregistration.k8s.io/v1',
    metadata: { name: 'policy-guard' },
    webhooks: [{ name: 'guard.example.com', failurePolicy: policy, sideEffects: 'None', admissionReviewVersions: ['v1'], clientConfig: { service: { namespace: 'guard', name: 'guard' } } }],
  });
  const deployment = (team: number, containers: string[]) => ({
    kind: 'Deployment',
    apiVersion: 'apps/v1',
    metadata: { name: 'api', namespace: `team-${String(team)}` },
    spec: { selector: { matchLabels: { app: 'api' } }, template: { metadata: { labels: { app: 'api' } }, spec: { containers: containers.map((c) => ({ name: c, image: `registry.example.com/${c}:1.4.2` })) } } },
  });

  // the teams' namespaces and Roles, a webhook and a deployment per team
  for (let team = 0; team < teams; team++) {
    const ns = { kind: 'Namespace', apiVersion: 'v1', metadata: { name: `team-${String(team)}`, labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } };
    adminWrite('create', 'namespaces', undefined, `team-${String(team)}`, ns, '');
    adminWrite('create', 'roles', `team-${String(team)}`, 'reader', role(team, false));
    emit({
      user: ci,
      verb: 'create',
      uri: `/apis/apps/v1/namespaces/team-${String(team)}/deployments`,
      ref: { resource: 'deployments', namespace: `team-${String(team)}`, name: 'api', apiGroup: 'apps', apiVersion: 'v1' },
      reason: 'RBAC: allowed by RoleBinding "deployer/ci" of ClusterRole "edit" to ServiceAccount "deployer/ci"',
      request: deployment(team, ['api']),
      response: deployment(team, ['api']),
      agent: 'argocd-application-controller/v2.12.3',
    });
  }
  adminWrite('create', 'validatingwebhookconfigurations', undefined, 'policy-guard', webhook('Fail'), 'admissionregistration.k8s.io');

  for (let round = 0; round < rounds; round++) {
    const team = round % teams;
    const ns = `team-${String(team)}`;
    // bind two developers, unbind one bound earlier; every fifth round the Role gains or loses Secrets
    for (const d of [(round * 7) % developers, (round * 13 + 5) % developers]) {
      adminWrite('create', 'rolebindings', ns, `bind-dev-${String(d)}`, binding(team, d));
      bound.add(`${String(team)}/${String(d)}`);
    }
    const gone = [...bound].find((b) => b.startsWith(`${String(team)}/`) && round % 3 === 2);
    if (gone !== undefined) {
      const d = Number(gone.split('/')[1]);
      adminWrite('delete', 'rolebindings', ns, `bind-dev-${String(d)}`, undefined);
      bound.delete(gone);
    }
    if (round % 5 === 4) {
      roleSecrets.set(team, round % 10 === 4);
      adminWrite('update', 'roles', ns, 'reader', role(team, round % 10 === 4));
    }
    if (round % 6 === 1) {
      const d = (round * 3) % developers;
      const crb = { kind: 'ClusterRoleBinding', apiVersion: `${rbacGroup}/v1`, metadata: { name: `break-glass-${String(d)}` }, roleRef: { apiGroup: rbacGroup, kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'User', apiGroup: rbacGroup, name: `dev-${String(d)}` }] };
      adminWrite('create', 'clusterrolebindings', undefined, `break-glass-${String(d)}`, crb);
      clusterAdmins.add(d);
    } else if (round % 6 === 4) {
      for (const d of [...clusterAdmins]) adminWrite('delete', 'clusterrolebindings', undefined, `break-glass-${String(d)}`, undefined);
      clusterAdmins.clear();
    }
    // someone else's writes, judged by what the administrator's showed
    if (round === Math.floor(rounds / 2)) {
      emit({ user: intruder, verb: 'update', uri: '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/policy-guard', ref: { resource: 'validatingwebhookconfigurations', name: 'policy-guard', apiGroup: 'admissionregistration.k8s.io', apiVersion: 'v1' }, reason: 'RBAC: allowed by ClusterRoleBinding "contractors" of ClusterRole "admission-editor" to User "contractor-7"', request: webhook('Ignore'), response: webhook('Ignore') });
      emit({ user: intruder, verb: 'update', uri: `/apis/apps/v1/namespaces/${ns}/deployments/api`, ref: { resource: 'deployments', namespace: ns, name: 'api', apiGroup: 'apps', apiVersion: 'v1' }, reason: 'RBAC: allowed by ClusterRoleBinding "contractors" of ClusterRole "edit" to User "contractor-7"', request: deployment(team, ['api', 'metrics-helper']), response: deployment(team, ['api', 'metrics-helper']) });
    }
    // reads: the API server decides as RBAC does, but for every 97th read, allowed against RBAC
    for (let r = 0; r < readsPerRound; r++) {
      const d = (r * 31 + round * 17) % developers;
      const readTeam = (r + round) % teams;
      const resource = r % 4 === 0 ? 'secrets' : 'pods';
      const viaRole = bound.has(`${String(readTeam)}/${String(d)}`) && (resource === 'pods' || roleSecrets.get(readTeam) === true);
      const viaCrb = clusterAdmins.has(d) && resource === 'pods';
      const allowed = viaRole || viaCrb;
      const lie = !allowed && seq % 97 === 0;
      emit({
        user: dev(d),
        verb: 'get',
        uri: `/api/v1/namespaces/team-${String(readTeam)}/${resource}/item-${String(r % 9)}`,
        ref: { resource, namespace: `team-${String(readTeam)}`, name: `item-${String(r % 9)}`, apiVersion: 'v1' },
        code: allowed || lie ? 200 : 403,
        decision: allowed || lie ? 'allow' : 'forbid',
        reason: viaCrb
          ? `RBAC: allowed by ClusterRoleBinding "break-glass-${String(d)}" of ClusterRole "view" to User "dev-${String(d)}"`
          : viaRole
            ? `RBAC: allowed by RoleBinding "bind-dev-${String(d)}/team-${String(readTeam)}" of Role "reader" to User "dev-${String(d)}"`
            : '',
        agent: 'kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46',
      });
    }
  }
  return events;
}

/** The RBAC snapshot the stream starts from: the ClusterRoles it binds (a complete model from the start). */
export function fleetSnapshot(): Record<string, unknown> {
  const clusterRole = (name: string, rules: unknown[]) => ({ kind: 'ClusterRole', apiVersion: `${rbacGroup}/v1`, metadata: { name }, rules });
  return {
    kind: 'List',
    apiVersion: 'v1',
    items: [
      clusterRole('cluster-admin', [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }, { nonResourceURLs: ['*'], verbs: ['*'] }]),
      clusterRole('view', [{ apiGroups: [''], resources: ['pods', 'services', 'configmaps'], verbs: ['get', 'list', 'watch'] }]),
      { kind: 'ClusterRoleBinding', apiVersion: `${rbacGroup}/v1`, metadata: { name: 'ops-admins' }, roleRef: { apiGroup: rbacGroup, kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'Group', apiGroup: rbacGroup, name: 'ops' }] },
    ],
  };
}
