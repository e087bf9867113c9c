// The console on a store of N findings (default 1M) and as many records, in Debian's Chromium: the time from
// navigation to each page's content (page load: the static files, the session check and the page's API
// calls), the API time of the lists the pages call, and the streamed export's rate over every finding.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '#shared/logging';
import { openDatabase } from '#shared/storage';
import { buildStoreApp } from '../services/store/src/app.js';
import { launchChromium } from './chromium.js';
import { fillSyntheticStore } from './store.js';

const token = { name: 'bench', role: 'analyst' as const, token: 'bench-console-token-0123456789' };

function latency(samples: number[]): { p50Ms: number; p95Ms: number } {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => Math.round(s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0);
  return { p50Ms: at(0.5), p95Ms: at(0.95) };
}

export async function benchConsole({ findings = 1_000_000, records = 1_000_000, runs = 10 }: { findings?: number; records?: number; runs?: number } = {}): Promise<object> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kaudit-bench-console-'));
  const db = await openDatabase(path.join(dir, 'store.duckdb'));
  const browser = await launchChromium();
  try {
    await fillSyntheticStore(db, { records, findings });
    await db.execute('CHECKPOINT');
    const app = await buildStoreApp({ db, tokens: [token], logger: createLogger({ name: 'bench', level: 'error' }), isReady: () => true, rateLimitPerMinute: 1_000_000 });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    const base = `http://127.0.0.1:${String(typeof address === 'object' && address !== null ? address.port : 0)}`;
    const page = await browser.newPage();
    await page.goto(`${base}/ui/`);
    await page.getByLabel('API token').fill(token.token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('bench (analyst)').waitFor();
    const someFinding = (await db.query("SELECT id, \"user\" FROM findings WHERE rule_id <> '' ORDER BY event_time DESC LIMIT 1"))[0] ?? {};
    const id = String(someFinding.id);
    const user = String(someFinding.user);

    const load = async (hash: string, ready: string) => {
      const samples: number[] = [];
      for (let i = 0; i < runs; i++) {
        // from a blank page: a real load each time (files, session check, the page's API calls)
        await page.goto('about:blank');
        const t = performance.now();
        await page.goto(`${base}/ui/${hash}`);
        await page
          .locator(ready)
          .first()
          .waitFor({ timeout: 120_000 })
          .catch(async (err: unknown) => {
            throw new Error(`${hash}: ${ready} not shown; the page says: ${(await page.locator('main').textContent()) ?? ''}`, { cause: err });
          });
        samples.push(performance.now() - t);
      }
      return latency(samples);
    };
    const api = async (url: string) => {
      const samples: number[] = [];
      for (let i = 0; i < runs; i++) {
        samples.push(await page.evaluate(async (u) => {
          const t = performance.now();
          const res = await fetch(u);
          await res.text();
          return performance.now() - t;
        }, url));
      }
      return latency(samples);
    };
    const weekAgo = new Date(Date.now() - 7 * 86_400_000).toISOString();
    const figures: Record<string, unknown> = { findings, records };
    figures.pageOverview7d = await load('#/overview?range=7d', '.timeline svg');
    figures.pageOverview30d = await load('#/overview?range=30d', '.timeline svg');
    figures.pageFindings7d = await load('#/findings?range=7d', 'table[aria-label="Findings"] tbody tr');
    figures.pageFindingsAll = await load('#/findings?range=all', 'table[aria-label="Findings"] tbody tr');
    figures.pageFindingsUser = await load(`#/findings?range=all&user=${encodeURIComponent(user)}`, 'table[aria-label="Findings"] tbody tr');
    figures.pageIncidents7d = await load('#/findings?range=7d&view=incidents', 'table[aria-label="Incidents"] tbody tr');
    figures.pageFinding = await load(`#/finding/${encodeURIComponent(id)}`, '[data-triage-state]');
    figures.pageRules = await load('#/rules', 'table[aria-label="Rules"] tbody tr');
    figures.apiFindings7dPage = await api(`/v1/findings?since=${weekAgo}&limit=50`);
    figures.apiIncidents7dPage = await api(`/v1/incidents?since=${weekAgo}&limit=50`);
    figures.apiStatsSeverityDaily30d = await api(`/v1/stats?groupBy=severity&interval=1d&since=${new Date(Date.now() - 30 * 86_400_000).toISOString()}`);
    const exported = await page.evaluate(async () => {
      const t = performance.now();
      const res = await fetch('/v1/findings/export?format=ndjson');
      const reader = res.body?.getReader();
      let bytes = 0;
      let lines = 0;
      for (;;) {
        const chunk = await reader?.read();
        if (!chunk || chunk.done) break;
        const value = chunk.value as Uint8Array;
        bytes += value.length;
        for (const b of value) if (b === 10) lines++;
      }
      return { ms: performance.now() - t, bytes, lines };
    });
    figures.exportNdjson = { rows: exported.lines, seconds: Math.round(exported.ms / 100) / 10, rowsPerSec: Math.round(exported.lines / (exported.ms / 1000)), mb: Math.round(exported.bytes / 1e6) };
    await app.close();
    return figures;
  } finally {
    await browser.close();
    await db.close();
    await rm(dir, { recursive: true, force: true });
  }
}
