// `npm start`'s process (the built standalone entry point) as a newcomer runs it: fresh data directory,
// generated tokens, the README's quick-start example run with bash exactly as written (only the ports
// changed to free ones), an acknowledged batch surviving kill -9, and the same command on Kafka.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { auditEventOf, eventList, repoRoot } from '#shared/testing';
import { kafkaBrokers, uniqueName, waitFor } from '../kafka/index.js';
import { startStandalone, stop, stopAll, tokenOf, type Started } from '../helpers/standalone-process.js';

const run = promisify(execFile);

afterEach(stopAll);

function readmeExample(): string {
  const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
  const m = /<!-- example:quickstart[^>]*-->\s*```sh\n([\s\S]*?)```/.exec(readme);
  if (!m?.[1]) throw new Error('README.md has no quick-start example block');
  return m[1];
}

/** The stored records once there are at least `n` (through the restarted process's query API). */
async function recordsAfterRestart(s: Started, n: number): Promise<{ auditId: string }[]> {
  const apiToken = tokenOf(s.cwd, 'api-tokens', 'admin:');
  return waitFor(
    async () => {
      const r = await s.fetch(`${s.api}/v1/events?limit=1000`, { headers: { authorization: `Bearer ${apiToken}` } });
      const body = (await r.json()) as { items: { auditId: string }[] };
      return body.items.length >= n ? body.items : undefined;
    },
    { what: `${String(n)} records after the restart`, timeoutMs: 30_000 },
  );
}

function anonymousEvents(n: number, tag: string): unknown {
  return eventList(
    Array.from({ length: n }, (_, i) =>
      auditEventOf({
        auditID: `${tag}-${String(i)}`,
        requestURI: '/api/v1/namespaces/default/configmaps',
        user: { username: 'system:anonymous', groups: ['system:unauthenticated'] },
        sourceIPs: ['198.51.100.9'],
        requestReceivedTimestamp: undefined,
        stageTimestamp: new Date(Date.UTC(2026, 10, 27, 12, 0, i % 60)).toISOString(),
        annotations: { 'authorization.k8s.io/decision': 'allow' },
      }),
    ),
  );
}

describe('npm start (standalone)', () => {
  it('starts on a fresh directory, generates private tokens, and the README example works as written', async () => {
    const cwd = mkdtempSync(path.join(os.tmpdir(), 'kaudit-e2e-'));
    const s = await startStandalone(cwd);
    expect(s.output()).toContain('generated tokens');
    expect(statSync(path.join(cwd, 'data', 'ingest-tokens')).mode & 0o777).toBe(0o600);
    expect(statSync(path.join(cwd, 'data', 'api-tokens')).mode & 0o777).toBe(0o600);
    // HTTPS by default, with a ready kubeconfig for kube-apiserver (it holds the token: private too)
    for (const f of ['tls/ca.crt', 'tls/server.key', 'webhook/default.kubeconfig', 'webhook/default-mtls.kubeconfig']) {
      expect(statSync(path.join(cwd, 'data', f)).mode & 0o777).toBe(0o600);
    }
    expect(s.output()).toContain(`--audit-webhook-config-file=${path.join(cwd, 'data', 'webhook', 'default.kubeconfig')}`);
    expect(readFileSync(path.join(cwd, 'data', 'webhook', 'default.kubeconfig'), 'utf8')).toContain(`server: ${s.ingest}/v1/webhook`);

    const script = readmeExample().replaceAll('127.0.0.1:8765', s.ingest.slice(8)).replaceAll('127.0.0.1:8080', s.api.slice(8));
    const out = await waitFor(
      async () => {
        const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', script], { cwd });
        return stdout.includes('"ruleId":"anonymous-request-allowed"') ? stdout : undefined;
      },
      { what: 'the README example to show the finding', timeoutMs: 30_000, intervalMs: 300 },
    );
    expect(out).toContain('{"accepted":1,"rejected":0,"errors":[]}');
    expect(out).toContain('"auditId":"5c3b8e2a-0d6e-4c55-9d0c-2a8f3f1e7b11"');
    expect(s.output()).not.toContain(tokenOf(cwd, 'ingest-tokens'));
    // every file of the data directory (bus logs, DuckDB, tokens, keys, certificates) is private to its user
    const walk = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? [path.join(dir, e.name), ...walk(path.join(dir, e.name))] : [path.join(dir, e.name)]));
    const dataDir = path.join(cwd, 'data');
    const exposed = [dataDir, ...walk(dataDir)].filter((f) => (statSync(f).mode & 0o077) !== 0);
    expect(exposed).toEqual([]);
    expect(walk(dataDir).some((f) => f.endsWith('kaudit.duckdb'))).toBe(true);
    await stop(s.child);
    expect(s.child.exitCode).toBe(0);
  });

  it('keeps every acknowledged event when killed with SIGKILL right after the acknowledgement', async () => {
    const cwd = mkdtempSync(path.join(os.tmpdir(), 'kaudit-e2e-'));
    const first = await startStandalone(cwd);
    const ingestToken = tokenOf(cwd, 'ingest-tokens');
    const res = await first.fetch(`${first.ingest}/v1/webhook`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ingestToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(anonymousEvents(200, 'kill9')),
    });
    expect(res.status).toBe(200);
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));

    const second = await startStandalone(cwd);
    const records = await recordsAfterRestart(second, 200);
    expect(new Set(records.map((r) => r.auditId)).size).toBe(200);
    expect(records).toHaveLength(200);
    await stop(second.child);
  });

  it('shuts down gracefully on SIGTERM in the order stop accepting → drain → flush → commit → close, losing no acknowledged event (graceful shutdown)', async () => {
    const cwd = mkdtempSync(path.join(os.tmpdir(), 'kaudit-e2e-'));
    const first = await startStandalone(cwd, { KAUDIT_LOG_LEVEL: 'debug' });
    const ingestToken = tokenOf(cwd, 'ingest-tokens');
    const post = (tag: string) =>
      first.fetch(`${first.ingest}/v1/webhook`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ingestToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(anonymousEvents(100, tag)),
      }).then(
        (r) => r.status,
        () => 0,
      );
    // batches in flight while the signal arrives
    const posts = Array.from({ length: 8 }, (_, i) => post(`term${String(i)}`));
    await new Promise((r) => setTimeout(r, 30));
    const exited = new Promise<number | null>((r) => first.child.once('exit', (code) => { r(code); }));
    const signalled = Date.now();
    first.child.kill('SIGTERM');
    const statuses = await Promise.all(posts);
    expect(await exited).toBe(0);
    // Keep-alive connections of the clients whose batches were in flight are closed with their answers, not
    // left to the 72 s keep-alive timeout (which outlasts a Kubernetes termination grace period).
    expect(Date.now() - signalled).toBeLessThan(15_000);
    const acknowledged = statuses.filter((s) => s === 200).length;

    const steps = first
      .output()
      .split('\n')
      .filter((l) => l.includes('"shutdown step done"'))
      .map((l) => JSON.parse(l) as { phase: string; step: string });
    const phases = ['stop-accepting', 'drain', 'flush', 'commit', 'close'];
    const order = steps.map((s) => phases.indexOf(s.phase));
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(steps.map((s) => s.step)).toEqual(expect.arrayContaining(['ingest-http', 'query-api', 'analyzer', 'store-sink', 'bus', 'duckdb']));
    expect(steps.findIndex((s) => s.step === 'ingest-http')).toBeLessThan(steps.findIndex((s) => s.step === 'analyzer'));
    expect(steps.at(-1)?.step).toBe('duckdb');

    const second = await startStandalone(cwd);
    const records = await recordsAfterRestart(second, acknowledged * 100);
    expect(new Set(records.map((r) => r.auditId)).size).toBe(records.length);
    await stop(second.child);
  });

  it('runs the same process on Kafka when KAFKA_BROKERS is set', async () => {
    const cwd = mkdtempSync(path.join(os.tmpdir(), 'kaudit-e2e-'));
    const s = await startStandalone(cwd, { KAFKA_BROKERS: kafkaBrokers(), KAUDIT_TOPIC_PREFIX: `${uniqueName('e2e')}.`, KAUDIT_TOPIC_PARTITIONS: '2' });
    const ingestToken = tokenOf(cwd, 'ingest-tokens');
    const apiToken = tokenOf(cwd, 'api-tokens', 'viewer:');
    const res = await s.fetch(`${s.ingest}/v1/webhook`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ingestToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(anonymousEvents(3, 'kafka')),
    });
    expect(res.status).toBe(200);
    const findings = await waitFor(
      async () => {
        const r = await s.fetch(`${s.api}/v1/findings?ruleId=anonymous-request-allowed`, { headers: { authorization: `Bearer ${apiToken}` } });
        const body = (await r.json()) as { items: { auditId: string; ruleId: string }[] };
        return body.items.length >= 3 ? body.items : undefined;
      },
      { what: 'findings through Kafka', timeoutMs: 60_000 },
    );
    expect(findings.map((f) => f.auditId).sort()).toEqual(['kafka-0', 'kafka-1', 'kafka-2']);
    expect(s.output()).toContain('"bus":"kafka"');
    await stop(s.child);
    expect(s.child.exitCode).toBe(0);
  });
});
