// Acceptance: "With the broker stopped, the webhook answers 503 and acknowledges nothing; after it is
// back, the retried batch is accepted and processed."
// The whole pipeline (ingest → analyzer → store) runs in this process on a dedicated Kafka broker
// (test/kafka/own-broker.ts), not the shared one of global-setup: this test halts and resumes it.
// Events from ../shared/corpus:
//   - falco-k8s-audit/anonymous_creates_namespace_foo.json (system:anonymous creates namespace foo;
//     finding anonymous-request-allowed): the batch before the outage, and, with a new auditID, the
//     anonymous event of the batch during the outage;
//   - falco-k8s-audit/some-user_creates_namespace_foo.json (the same request by some-user), with a
//     new auditID: the second event of the batch during the outage.
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { createBus, topicNames, type Bus } from '#shared/bus';
import type { Finding, NormalizedRecord } from '#shared/contracts';
import { createLogger, silentLogger, type Logger } from '#shared/logging';
import { corpusLines, eventList } from '#shared/testing';
import { getJson, postEvents, startPipeline, type Pipeline } from '../helpers/pipeline.js';
import { startOwnBroker, type OwnBroker } from '../kafka/own-broker.js';
import { uniqueName, waitFor } from '../kafka/index.js';

const RULE = 'anonymous-request-allowed';

type AuditEvent = Record<string, unknown> & { auditID: string };

function corpusEvent(file: string): AuditEvent {
  const [event] = corpusLines(file);
  if (typeof event !== 'object' || event === null || typeof (event as { auditID?: unknown }).auditID !== 'string') {
    throw new Error(`${file}: expected an audit event with an auditID`);
  }
  return event as AuditEvent;
}

const anonymous = corpusEvent('falco-k8s-audit/anonymous_creates_namespace_foo.json');
const someUser = corpusEvent('falco-k8s-audit/some-user_creates_namespace_foo.json');

async function records(p: Pipeline): Promise<NormalizedRecord[]> {
  return (await getJson<{ items: NormalizedRecord[] }>(p, '/v1/events?limit=1000')).items;
}

async function findings(p: Pipeline): Promise<Finding[]> {
  return (await getJson<{ items: Finding[] }>(p, '/v1/findings?limit=1000')).items;
}

/**
 * For a failure report: whether a message mentioning `auditId` is on `topic` (read from the beginning
 * with a fresh consumer group), i.e. whether a missing item was lost before or after Kafka.
 */
async function onTopic(p: Pipeline, topic: string, auditId: string): Promise<string> {
  const seen = { found: false };
  try {
    const subscription = await p.bus.consume({
      groupId: uniqueName('outage-diagnosis'),
      topics: [topic],
      handler: (batch) => {
        if (batch.messages.some((m) => m.value.toString('utf8').includes(auditId))) seen.found = true;
        return Promise.resolve();
      },
    });
    try {
      await waitFor(() => Promise.resolve(seen.found), { what: `${auditId} on ${topic}`, timeoutMs: 20_000 }).catch(() => undefined);
    } finally {
      await subscription.stop();
    }
  } catch (err) {
    return `could not read ${topic}: ${err instanceof Error ? err.message : String(err)}`;
  }
  return seen.found ? `a message for ${auditId} IS on ${topic}` : `no message for ${auditId} on ${topic} within 20 s`;
}

/** One pino JSON line as `time msg {fields}`, without stacks and host fields, at most 400 characters. */
function compactLogLine(line: string): string {
  try {
    const { time, msg, stack: _stack, level: _level, pid: _pid, hostname: _hostname, timestamp: _timestamp, ...rest } =
      JSON.parse(line) as Record<string, unknown>;
    return `${String(time)} ${String(msg)} ${JSON.stringify(rest)}`.slice(0, 400);
  } catch {
    return line.trimEnd().slice(0, 400);
  }
}

async function readyzStatus(p: Pipeline): Promise<number> {
  const res = await fetch(new URL('/readyz', p.webhookUrl));
  await res.body?.cancel();
  return res.status;
}

describe('webhook during a Kafka outage', { timeout: 240_000 }, () => {
  let broker: OwnBroker | undefined;
  let p: Pipeline | undefined;

  // The pipeline's warnings and errors (kafkajs included), printed if a test fails (all logs with KAUDIT_TEST_LOGS).
  const logLines: string[] = [];
  const logger: Logger = process.env.KAUDIT_TEST_LOGS
    ? createLogger({ name: 'test', level: 'debug' })
    : pino({ level: 'warn', timestamp: pino.stdTimeFunctions.isoTime }, {
        write: (line: string) => {
          if (logLines.push(compactLogLine(line)) > 300) logLines.shift();
        },
      });
  const printLogsOnFailure = (): void => {
    onTestFailed(() => {
      process.stderr.write(`--- last ${String(logLines.length)} pipeline warnings/errors ---\n${logLines.join('\n')}\n`);
    });
  };

  beforeAll(async () => {
    broker = await startOwnBroker();
    p = await startPipeline({ brokers: [broker.brokers], logger });
  }, 180_000);

  afterAll(async () => {
    // stop the pipeline first (it talks to the broker), then the broker, even if one of them fails
    const errors: unknown[] = [];
    await p?.stop().catch((err: unknown) => errors.push(err));
    await broker?.stop().catch((err: unknown) => errors.push(err));
    if (errors.length > 0) throw new AggregateError(errors, 'teardown of the broker-outage test failed');
  }, 120_000);

  it('Kafka broker restarted mid-stream: the webhook answers 503 + Retry-After and acknowledges nothing while it is down; the retried batch is then accepted, and every acknowledged event has exactly one record and its findings once', async () => {
    if (!p || !broker) throw new Error('setup did not finish');
    printLogsOnFailure();
    const pipeline = p;

    // 1. the pipeline works before the fault
    const before = await postEvents(pipeline, eventList([anonymous]));
    expect(before.status).toBe(200);
    expect(await before.json()).toMatchObject({ accepted: 1, rejected: 0 });
    await waitFor(
      async () => (await findings(pipeline)).some((f) => f.ruleId === RULE && f.auditId === anonymous.auditID),
      { what: 'the finding of the batch posted before the outage', timeoutMs: 60_000 },
    );

    // 2. broker down: 503 + Retry-After, nothing acknowledged
    const suffix = randomBytes(4).toString('hex');
    const outageBatch = [
      { ...anonymous, auditID: `outage-${suffix}-anonymous` },
      { ...someUser, auditID: `outage-${suffix}-some-user` },
    ];
    const newIds = outageBatch.map((e) => e.auditID);
    await broker.halt();

    const during = await postEvents(pipeline, eventList(outageBatch));
    const duringBody = (await during.json()) as Record<string, unknown>;
    expect(during.status).toBe(503);
    expect(during.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(duringBody).not.toHaveProperty('accepted');
    expect(duringBody).toMatchObject({ error: 'unavailable' });

    await waitFor(async () => (await readyzStatus(pipeline)) === 503, {
      what: 'ingest /readyz to answer 503 while the broker is down',
      timeoutMs: 30_000,
    });
    const storedDuringOutage = await records(pipeline);
    expect(storedDuringOutage.filter((r) => newIds.includes(r.auditId))).toEqual([]);

    // 3. broker back: ingest is ready again, and the kube-apiserver's retry of the same batch is
    //    accepted (kafkajs reconnects by itself)
    await broker.resume();
    await waitFor(async () => (await readyzStatus(pipeline)) === 200, {
      what: 'ingest /readyz to answer 200 again once the broker is back',
      timeoutMs: 60_000,
    });
    const retried = await waitFor(
      async () => {
        const res = await postEvents(pipeline, eventList(outageBatch));
        const body: unknown = await res.json();
        return res.status === 200 ? body : undefined;
      },
      { what: 'the retried batch to be accepted after the broker is back', timeoutMs: 90_000, intervalMs: 1_000 },
    );
    expect(retried).toMatchObject({ accepted: 2, rejected: 0 });

    // markers after the retried batch, one per user (= message key, so same partition as the event):
    // once they are stored, everything posted before them for these users has been processed
    const markers = [
      { ...anonymous, auditID: `outage-${suffix}-marker-anonymous` },
      { ...someUser, auditID: `outage-${suffix}-marker-some-user` },
    ];
    expect((await postEvents(pipeline, eventList(markers))).status).toBe(200);
    await waitFor(
      async () => {
        const ids = new Set((await records(pipeline)).map((r) => r.auditId));
        return [...newIds, ...markers.map((m) => m.auditID)].every((id) => ids.has(id));
      },
      { what: 'the records of the retried batch and of the markers after it', timeoutMs: 90_000 },
    );
    const stored = (await records(pipeline)).filter((r) => newIds.includes(r.auditId));
    const newFindings = await waitFor(
      async () => {
        const items = (await findings(pipeline)).filter((f) => newIds.includes(f.auditId));
        return items.some((f) => f.ruleId === RULE && f.auditId === `outage-${suffix}-anonymous`) ? items : undefined;
      },
      { what: 'the finding of the retried batch', timeoutMs: 90_000 },
    ).catch(async (err: unknown) => {
      const where = await onTopic(pipeline, pipeline.topics.findings, `outage-${suffix}-anonymous`);
      throw new Error(`${err instanceof Error ? err.message : String(err)} (diagnosis: ${where})`, { cause: err });
    });

    // however often the batch was posted (the 503, then the retries), each event is stored once
    expect(stored.map((r) => r.auditId).sort()).toEqual([...newIds].sort());
    // exactly one finding of the rule for the anonymous event, however often it was delivered (other
    // rules, e.g. system-masters-used on these hand-edited traces, may add theirs: once each too)
    const ofRule = newFindings.filter((f) => f.ruleId === RULE);
    expect(ofRule.map((f) => f.auditId)).toEqual([`outage-${suffix}-anonymous`]);
    expect(new Set(newFindings.map((f) => f.id)).size).toBe(newFindings.length);
    // the records before the outage are still there exactly once too
    expect((await records(pipeline)).filter((r) => r.auditId === anonymous.auditID)).toHaveLength(1);
  });

  // Behind a Kubernetes Service, a not-ready ingest pod gets no webhook traffic: readiness must come
  // back when the broker does, not only after a successful send (which then can never happen).
  it('the Kafka bus reports not ready after a failed produce, and ready again once the broker is back, without any further produce', async () => {
    if (!broker) throw new Error('setup did not finish');
    printLogsOnFailure();
    // the pipeline is not needed here: stop it now rather than let its consumers go through a second outage
    const pipeline = p;
    p = undefined;
    await pipeline?.stop();
    const topicPrefix = `${uniqueName('outage-ready')}.`;
    const bus: Bus = createBus({
      config: { kind: 'kafka', brokers: [broker.brokers], topicPrefix, partitions: 1, eventsRetentionHours: 168 },
      clientId: uniqueName('outage-ready'),
      logger: silentLogger(),
    });
    try {
      await bus.start();
      expect(bus.isReady()).toBe(true);
      await broker.halt();
      await expect(bus.produce(topicNames(topicPrefix).events, [{ key: 'k', value: Buffer.from('v') }])).rejects.toMatchObject({
        retriable: true,
      });
      expect(bus.isReady()).toBe(false);
      await broker.resume();
      await waitFor(async () => Promise.resolve(bus.isReady()), { what: 'the bus to report ready again without a produce', timeoutMs: 60_000 });
    } finally {
      await bus.close();
    }
  });
});
