// Analyzers scaled out decide as one (shared/engine/shared-state.ts), in process: ingest's copies on a bus
// of several partitions, each partition analysed with state of its own, by any number of instances in any
// interleaving, and a partition handed over mid-stream through its stored state. Events: every native
// corpus event and a generated log of many identities whose RBAC changes as it goes (fleetStream).
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { topicNames, type Bus, type OutMessage } from '#shared/bus';
import type { Finding, NormalizedRecord } from '#shared/contracts';
import { auditEventParser } from '#shared/contracts';
import { builtinRules, createEngine, createRedaction, RbacRegistry, RuleState, sharedStateEvent, type Engine } from '#shared/engine';
import { corpusNativeEvents, fleetSnapshot, fleetStream } from '#shared/testing';
import { packValues, unpacked } from '#shared/threads';
import { acceptBatch } from '../../services/ingest/src/accept-batch.js';
import { createPartitionedAnalysis, partitionOfKey, type BatchAnalysis } from '../../services/analyzer/src/analyze-batch.js';

const topics = topicNames('ss.');
const cluster = 'fleet';

/** A bus of `partitions` partitions per topic, keeping what was produced (a key's partition: a hash of it). */
function partitionedBus(partitions: number): Bus & { on: (partition: number) => Buffer[] } {
  const events = Array.from({ length: partitions }, () => [] as Buffer[]);
  const partitionOf = (m: OutMessage) => m.partition ?? createHash('md5').update(m.key).digest().readUInt32BE(0) % partitions;
  return {
    kind: 'kafka',
    on: (p) => events[p] ?? [],
    start: () => Promise.resolve(),
    produce(topic, messages) {
      if (topic === topics.events) for (const m of messages) events[partitionOf(m)]?.push(m.value);
      return Promise.resolve();
    },
    partitions: () => Promise.resolve(partitions),
    consume: () => Promise.reject(new Error('not used')),
    readAll: () => Promise.reject(new Error('not used')),
    readRange: () => Promise.reject(new Error('not used')),
    isReady: () => true,
    close: () => Promise.resolve(),
  };
}

/** The events through ingest, in batches of 400 as a kube-apiserver sends them. */
async function ingested(events: readonly unknown[], partitions: number) {
  const bus = partitionedBus(partitions);
  const redaction = createRedaction(Buffer.alloc(32, 7));
  for (let i = 0; i < events.length; i += 400) {
    await acceptBatch({ items: events.slice(i, i + 400), cluster, tls: true, bus, topics, now: new Date(Date.parse('2026-11-02T09:00:00Z') + i), redaction });
  }
  return bus;
}

const engineOf = (paced: boolean): Engine => {
  const rbac = new RbacRegistry();
  rbac.loadSnapshot(fleetSnapshot());
  return createEngine({ rbac, paced });
};

interface Outcome {
  findings: string[];
  /** per record, its RBAC verdict and binding */
  verdicts: string[];
}
const outcome = (results: BatchAnalysis[]): Outcome => {
  const texts = (p: { ends: number[] } & Parameters<typeof unpacked>[0], n: number) => Array.from({ length: n }, (_, i) => unpacked(p, i).toString('utf8'));
  return {
    findings: results.flatMap((r) => texts(r.findings, r.findings.from.length)).map((f) => JSON.stringify(JSON.parse(f) as Finding)).sort(),
    verdicts: results
      .flatMap((r) => texts(r.records, r.records.from.length))
      .map((t) => (JSON.parse(t) as { record: NormalizedRecord }).record)
      .map((r) => `${r.auditId} ${r.stage} ${String(r.rbacVerdict)} ${String(r.rbacVerdictBinding)}`)
      .sort(),
  };
};

/** Analyses the partitions in chunks of `chunk`, in the order `schedule` gives (partition, from, to). */
function run(bus: ReturnType<typeof partitionedBus>, instances: ReturnType<typeof createPartitionedAnalysis>[], owner: (p: number) => number, schedule: [number, number, number][]): BatchAnalysis[] {
  return schedule.map(([p, from, to]) => (instances[owner(p)] as ReturnType<typeof createPartitionedAnalysis>).analyze(p, packValues(bus.on(p).slice(from, to))));
}
const chunks = (bus: ReturnType<typeof partitionedBus>, partitions: number, size: number): [number, number, number][][] =>
  Array.from({ length: partitions }, (_, p) => {
    const out: [number, number, number][] = [];
    for (let i = 0; i < bus.on(p).length; i += size) out.push([p, i, Math.min(i + size, bus.on(p).length)]);
    return out;
  });
/** round robin over the partitions' chunks */
const interleaved = (perPartition: [number, number, number][][]) => {
  const out: [number, number, number][] = [];
  for (let i = 0; perPartition.some((c) => i < c.length); i++) for (const c of perPartition) if (c[i]) out.push(c[i] as [number, number, number]);
  return out;
};

describe('analyzers scaled out decide as one', () => {
  const events = [...corpusNativeEvents(), ...fleetStream({ rounds: 24, readsPerRound: 150 })];

  it('ingest writes a state copy of a shared-state event on every partition right after it, and a pace copy per minute of a batch', async () => {
    const stream = fleetStream({ rounds: 1, readsPerRound: 30 });
    const bus = await ingested(stream, 3);
    const all = [0, 1, 2].flatMap((p) => bus.on(p).map((v) => ({ p, e: JSON.parse(v.toString('utf8')) as { copy?: { of: string; events?: number; last?: string }; event: { auditID: string; stageTimestamp: string } } })));
    const originals = all.filter((m) => m.e.copy === undefined);
    expect(originals).toHaveLength(stream.length);
    const shared = stream.filter((e) => sharedStateEvent(auditEventParser.safeParse(e).data as Parameters<typeof sharedStateEvent>[0]));
    // the namespaces, Roles, deployments and webhook, the bindings: each on all three partitions
    expect(shared.length).toBeGreaterThanOrEqual(12);
    for (const e of shared) {
      const copies = all.filter((m) => m.e.copy?.of === 'state' && m.e.event.auditID === e.auditID);
      expect(copies.map((c) => c.p).sort()).toEqual([0, 1, 2]);
    }
    // on its own partition, the copy follows the event
    for (const p of [0, 1, 2]) {
      const ids = bus.on(p).map((v) => JSON.parse(v.toString('utf8')) as { copy?: { of: string }; event: { auditID: string } });
      for (const [i, m] of ids.entries()) if (m.copy?.of === 'state') expect(ids.slice(0, i).some((o) => o.copy === undefined && o.event.auditID === m.event.auditID) || !ids.some((o) => o.copy === undefined && o.event.auditID === m.event.auditID)).toBe(true);
    }
    // pace copies: one per minute of the batch, counting all its events, on one partition
    const pace = all.filter((m) => m.e.copy?.of === 'pace');
    expect(new Set(pace.map((m) => m.p)).size).toBe(1);
    expect(pace.reduce((n, m) => n + (m.e.copy?.events ?? 0), 0)).toBe(stream.length);
    for (const m of pace) expect(Date.parse(m.e.copy?.last ?? '')).toBeGreaterThanOrEqual(Date.parse(m.e.event.stageTimestamp));
    // one partition: no copies at all
    const single = await ingested(stream, 1);
    expect(single.on(0)).toHaveLength(stream.length);
  });

  it('gives the same findings and verdicts with one, two or three instances, in any interleaving, and across a hand-over mid-stream', async () => {
    const partitions = 6;
    const bus = await ingested(events, partitions);
    const perPartition = chunks(bus, partitions, 64);
    const engine = engineOf(true);
    const one = outcome(run(bus, [createPartitionedAnalysis(engine)], () => 0, interleaved(perPartition)));
    const two = outcome(run(bus, [createPartitionedAnalysis(engine), createPartitionedAnalysis(engine)], (p) => p % 2, perPartition.flat().reverse().sort((a, b) => b[0] - a[0] || a[1] - b[1])));
    const three = outcome(run(bus, [0, 1, 2].map(() => createPartitionedAnalysis(engine)), (p) => p % 3, perPartition.flat()));
    expect(one.findings.length).toBeGreaterThan(100);
    expect(one.verdicts.filter((v) => v.includes(' allow ')).length).toBeGreaterThan(100);
    expect(two).toEqual(one);
    expect(three).toEqual(one);

    // a hand-over: the first instance analyses half of every partition, the next starts from its stored state
    const first = createPartitionedAnalysis(engine);
    const half = perPartition.map((c) => c.slice(0, Math.ceil(c.length / 2)));
    const before = run(bus, [first], () => 0, interleaved(half));
    const topic = new Map<string, Buffer>();
    for (const r of before) r.state.keys.forEach((k, i) => topic.set(k, Buffer.from(unpacked(r.state, i))));
    expect([...topic.keys()].some((k) => partitionOfKey(k)?.key.startsWith('rbac|'))).toBe(true);
    const next = createPartitionedAnalysis(engine);
    next.restore([...Array(partitions).keys()], [...topic.keys()], packValues([...topic.values()]));
    const after = run(bus, [next], () => 0, interleaved(perPartition.map((c, p) => c.slice(half[p]?.length ?? 0))));
    expect(outcome([...before, ...after])).toEqual(one);
  });

  it('decides every RBAC verdict as a single partition does, and every finding but those of the rules about a whole log', async () => {
    const six = await ingested(events, 6);
    const split = outcome(run(six, [createPartitionedAnalysis(engineOf(true))], () => 0, interleaved(chunks(six, 6, 64))));
    const single = await ingested(events, 1);
    const whole = outcome(run(single, [createPartitionedAnalysis(engineOf(false))], () => 0, chunks(single, 1, 64).flat()));
    expect(split.verdicts).toEqual(whole.verdicts);
    const rule = (f: string) => (JSON.parse(f) as Finding).ruleId;
    // audit-id-reused remembers audit IDs per partition: reuse across partitions is not seen (README)
    const perEvent = (fs: string[]) => fs.filter((f) => !['audit-silence', 'plaintext-ingest', 'audit-id-reused'].includes(rule(f)));
    expect(perEvent(split.findings)).toEqual(perEvent(whole.findings));
    for (const id of ['authz-decision-mismatch', 'admission-control-modified', 'container-injected']) expect(perEvent(split.findings).some((f) => rule(f) === id), id).toBe(true);
    // the rules about a whole log: each once on its pace copies, as on the events one by one
    const count = (fs: string[], id: string) => fs.filter((f) => rule(f) === id).length;
    expect(count(split.findings, 'audit-silence')).toBe(count(whole.findings, 'audit-silence'));
  });

  it('a partition’s engine has state of its own and its share of the memory of requests', () => {
    const engine = createEngine({ memory: new RuleState(300_000) });
    const forked = engine.fork({ memoryShare: 1 / 6 });
    expect(forked.memory.capacity).toBe(50_000);
    expect(forked.state.capacity).toBe(engine.state.capacity);
    forked.state.set('k', 1);
    expect(engine.state.get('k')).toBeUndefined();
    expect(forked.rules).toBe(engine.rules);
  });

  it('copies every event the RBAC model or a cluster rule learns from', () => {
    const clusterRules = builtinRules.filter((r) => r.scope === 'cluster');
    expect(clusterRules.map((r) => r.id).sort()).toEqual(['admission-control-modified', 'container-injected', 'csr-self-approved', 'pod-security-weakened']);
    // a fork, as the analyzer's partitions have: its RBAC registry keeps what it learns
    const engine = createEngine({ rules: clusterRules }).fork();
    let rbacLearning = 0;
    let learning = 0;
    for (const item of events) {
      const parsed = auditEventParser.safeParse(item);
      if (!parsed.success) continue;
      engine.analyze({ cluster, receivedAt: '2026-11-02T09:00:00Z', transport: { tls: true }, event: parsed.data });
      const rbac = engine.rbac.drain().length;
      const learnt = engine.state.drain().length + rbac;
      if (rbac > 0) rbacLearning++;
      if (learnt > 0) learning++;
      if (learnt > 0) expect(sharedStateEvent(parsed.data), JSON.stringify(parsed.data.objectRef)).toBe(true);
    }
    expect(learning).toBeGreaterThan(50);
    expect(rbacLearning).toBeGreaterThan(20);
  });
});
