// Engine throughput: normalize + every rule over the corpus mix, on this one thread (one core),
// next to a bare JSON.parse of the same events for scale.
import { envelopeSchema } from '#shared/contracts';
import { createEngine, RbacRegistry } from '#shared/engine';
import { corpusEnvelopes } from './corpus.js';

export interface EngineFigures {
  events: number;
  /** normalize + re-evaluate (RequestInfo, identity, authorizer, RBAC verdict) without any rule */
  normalizeReevaluateEventsPerSec: number;
  analyzeEventsPerSec: number;
  analyzeWithRbacSnapshotEventsPerSec: number;
  rbacSnapshotObjects: number;
  parseValidateAnalyzeEventsPerSec: number;
  jsonParseEventsPerSec: number;
}

function rate(n: number, fn: () => void, minMs = 2000): number {
  fn(); // warm-up
  let done = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < minMs) {
    fn();
    done += n;
    elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  }
  return Math.round(done / (elapsed / 1000));
}

/** A cluster-sized RBAC snapshot: cluster-admin for system:masters, 400 roles bound to 400 groups and users. */
function syntheticSnapshot(): { kind: 'List'; items: unknown[] } {
  const items: unknown[] = [
    { kind: 'ClusterRole', metadata: { name: 'cluster-admin' }, rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }, { nonResourceURLs: ['*'], verbs: ['*'] }] },
    { kind: 'ClusterRoleBinding', metadata: { name: 'cluster-admin' }, roleRef: { kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'Group', name: 'system:masters' }] },
  ];
  for (let i = 0; i < 400; i++) {
    items.push(
      { kind: 'ClusterRole', metadata: { name: `role-${String(i)}` }, rules: [{ apiGroups: ['', 'apps'], resources: ['pods', 'deployments', `r${String(i)}`], verbs: ['get', 'list'] }] },
      { kind: 'ClusterRoleBinding', metadata: { name: `bind-${String(i)}` }, roleRef: { kind: 'ClusterRole', name: `role-${String(i)}` }, subjects: [{ kind: 'Group', name: `group-${String(i)}` }, { kind: 'User', name: `user-${String(i)}` }] },
      { kind: 'RoleBinding', metadata: { name: `ns-bind-${String(i)}`, namespace: `ns-${String(i % 40)}` }, roleRef: { kind: 'ClusterRole', name: `role-${String(i)}` }, subjects: [{ kind: 'Group', name: 'system:authenticated' }] },
    );
  }
  return { kind: 'List', items };
}

export function benchEngine(): EngineFigures {
  const envelopes = corpusEnvelopes();
  const json = envelopes.map((e) => JSON.stringify(e));
  const engine = createEngine();
  let sink = 0;
  const analyze = rate(envelopes.length, () => {
    for (const e of envelopes) sink += engine.analyze(e).findings.length;
  });
  const bare = createEngine({ rules: [] });
  const reevaluate = rate(envelopes.length, () => {
    for (const e of envelopes) sink += bare.analyze(e).record.groups.length;
  });
  const rbac = new RbacRegistry();
  const snapshot = syntheticSnapshot();
  rbac.loadSnapshot(snapshot);
  const withRbac = createEngine({ rbac });
  const analyzeRbac = rate(envelopes.length, () => {
    for (const e of envelopes) sink += withRbac.analyze(e).findings.length;
  });
  const full = rate(json.length, () => {
    for (const s of json) sink += engine.analyze(envelopeSchema.parse(JSON.parse(s))).findings.length;
  });
  const parse = rate(json.length, () => {
    for (const s of json) sink += (JSON.parse(s) as { cluster: string }).cluster.length;
  });
  if (sink < 0) console.log(sink);
  return { events: envelopes.length, normalizeReevaluateEventsPerSec: reevaluate, analyzeEventsPerSec: analyze, analyzeWithRbacSnapshotEventsPerSec: analyzeRbac, rbacSnapshotObjects: snapshot.items.length, parseValidateAnalyzeEventsPerSec: full, jsonParseEventsPerSec: parse };
}
