// Acceptance (#17, syslog): findings delivered to a real rsyslog (Debian's rsyslog and rsyslog-gnutls,
// started by tools/rsyslog/rsyslog.sh) over TLS and over TCP, read back from the file rsyslog writes: RFC
// 5424 with the finding as structured data, and CEF. The pipeline is npm start's wiring on the embedded bus
// with KAUDIT_NOTIFY_FILE.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Finding } from '#shared/contracts';
import { auditEventOf, eventList } from '#shared/testing';
import { getJson, postEvents, startPipeline } from '../helpers/pipeline.js';
import { startTool, type ToolProcess } from '../helpers/tool-process.js';
import { waitFor } from '../helpers/wait-for.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'kaudit-notify-syslog-'));
let rsyslog: ToolProcess;
beforeAll(async () => {
  rsyslog = await startTool('rsyslog', { watchVariable: 'RSYSLOG_WATCH_PID', needs: 'it installs Debian’s rsyslog and rsyslog-gnutls with apt-get: root or password-less sudo' });
}, 5 * 60_000);
afterAll(async () => {
  await rsyslog.stop();
});

const anonymous = (tag: string, i: number) =>
  auditEventOf({ auditID: `sl-${tag}-${String(i)}`, requestURI: '/api/v1/namespaces/shop/secrets', user: { username: 'system:anonymous', groups: ['system:unauthenticated'] }, sourceIPs: ['198.51.100.4'], annotations: { 'authorization.k8s.io/decision': 'allow' } });
const lines = () => readFileSync(rsyslog.values.RSYSLOG_OUTPUT ?? '', 'utf8').split('\n').filter((l) => l !== '');

describe('notify → syslog (rsyslog)', () => {
  it('sends RFC 5424 messages over TLS, the finding as structured data, one per finding', async () => {
    const file = path.join(dir, 'tls.yaml');
    writeFileSync(file, `outputs:\n  siem: { type: syslog, address: "${rsyslog.values.RSYSLOG_TLS ?? ''}", tls: { caFile: "${rsyslog.values.RSYSLOG_CA_FILE ?? ''}", serverName: localhost }, facility: local0 }\nroutes:\n  - { name: anon, match: { rules: [anonymous-request-allowed] }, outputs: [siem] }\n`);
    const p = await startPipeline({ env: { KAUDIT_NOTIFY_FILE: file } });
    try {
      expect((await postEvents(p, eventList(Array.from({ length: 4 }, (_, i) => anonymous('tls', i))))).status).toBe(200);
      await waitFor(async () => (await getJson<{ items: Finding[] }>(p, '/v1/findings?limit=100&ruleId=anonymous-request-allowed')).items.length === 4, { what: 'the four findings', timeoutMs: 30_000 });
      const ids = (await getJson<{ items: Finding[] }>(p, '/v1/findings?limit=100&ruleId=anonymous-request-allowed')).items.map((f) => f.id).sort();
      const mine = () => lines().filter((l) => l.includes('sl-tls-'));
      await waitFor(() => Promise.resolve(mine().length >= 4), { what: 'four syslog messages', timeoutMs: 30_000 });
      const got = mine();
      expect(got).toHaveLength(4);
      // local0 (16) × 8 + err (3) for a high finding
      for (const l of got) expect(l).toMatch(/^<131>1 \S+Z \S+ kaudit - anonymous-request-allowed \[kaudit@32473 finding="[^"]+" rule="anonymous-request-allowed" severity="high" category="authentication" cluster="corpus" namespace="shop" user="system:anonymous" verb="\w+" resource="secrets" sourceIP="198\.51\.100\.4" auditID="sl-tls-\d" eventTime="[^"]+"\] .+$/);
      expect(got.map((l) => /finding="([^"]+)"/.exec(l)?.[1]).sort()).toEqual(ids);
    } finally {
      await p.stop();
    }
  }, 90_000);

  it('sends CEF over plain TCP', async () => {
    const file = path.join(dir, 'cef.yaml');
    writeFileSync(file, `outputs:\n  siem: { type: syslog, address: "${rsyslog.values.RSYSLOG_TCP ?? ''}", format: cef }\nroutes:\n  - { name: anon, match: { rules: [anonymous-request-allowed] }, outputs: [siem] }\n`);
    const p = await startPipeline({ env: { KAUDIT_NOTIFY_FILE: file } });
    try {
      expect((await postEvents(p, eventList([anonymous('cef', 0)]))).status).toBe(200);
      await waitFor(() => Promise.resolve(lines().some((l) => l.includes('CEF:0') && l.includes('sl-cef-0'))), { what: 'the CEF message', timeoutMs: 30_000 });
      const cef = lines().find((l) => l.includes('CEF:0')) ?? '';
      expect(cef).toMatch(/ CEF:0\|kaudit\|kaudit\|[^|]+\|anonymous-request-allowed\|Anonymous request allowed\|8\|rt=\d+ suser=system:anonymous src=198\.51\.100\.4 act=\w+ cs1Label=cluster cs1=corpus cs2Label=namespace cs2=shop externalId=\S+ cat=authentication msg=.+$/);
    } finally {
      await p.stop();
    }
  }, 90_000);
});
