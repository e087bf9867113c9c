// The console in a real headless Chromium (Debian's package, driven by playwright-core) against a store
// over a real DuckDB file filled from the corpus: sign-in and its cookie, CSRF, role limits, the overview's
// counts against the store's, the findings list's filters, paging and incidents, the detail page, sign-out.
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseCsv } from 'csv-parse/sync';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { severities, type Finding } from '#shared/contracts';
import { apiTokens } from '../helpers/pipeline.js';
import { consoleStore, launchChromium, type ConsoleStore } from '../helpers/console-browser.js';

let store: ConsoleStore;
let browser: Browser;

beforeAll(async () => {
  [store, browser] = await Promise.all([consoleStore(), launchChromium()]);
});
afterAll(async () => {
  await browser.close();
  await store.close();
});

async function signedIn(role: keyof typeof apiTokens, hash = '#/overview?range=all'): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${store.url}/ui/${hash}`);
  await page.getByLabel('API token').fill(apiTokens[role].token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText(`${apiTokens[role].name} (${role})`).waitFor();
  return { context, page };
}

const status = (page: Page, path: string, init: { method?: string; headers?: Record<string, string> } = {}) =>
  page.evaluate(async ([p, i]) => (await fetch(p, i)).status, [path, init] as const);

describe('console: sign-in', () => {
  it('serves the console under /ui/ and refuses a wrong token with a message', async () => {
    const page = await browser.newPage();
    const res = await page.goto(`${store.url}/ui`);
    expect(res?.status()).toBe(200);
    expect(page.url()).toBe(`${store.url}/ui/`);
    await page.getByLabel('API token').fill('not-a-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('this token is not one of the API tokens');
    await page.close();
  });

  it('opens an HttpOnly, SameSite=Strict session cookie; writes need the CSRF token; sign-out ends it', async () => {
    const { context, page } = await signedIn('viewer');
    const [cookie] = await context.cookies();
    expect(cookie).toMatchObject({ name: 'kaudit_session', httpOnly: true, sameSite: 'Strict', path: '/' });
    expect(cookie?.expires).toBeGreaterThan(Date.now() / 1000 + 3600);
    // the page's script cannot read the cookie
    expect(await page.evaluate('document.cookie')).toBe('');
    // a write without the CSRF header (what a forged cross-site form would send) is refused, the session stays
    expect(await status(page, '/v1/session/end', { method: 'POST' })).toBe(403);
    expect(await status(page, '/v1/session')).toBe(200);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(await status(page, '/v1/session')).toBe(401);
    expect(await status(page, '/v1/findings')).toBe(401);
    await context.close();
  });
});

describe('console: pages', () => {
  it('the overview counts what the store holds, by severity, and each count opens the matching list', async () => {
    const { context, page } = await signedIn('viewer');
    for (const s of severities) {
      const expected = store.findings.filter((f) => f.severity === s).length;
      await expect(page.locator(`[data-severity="${s}"]`).textContent()).resolves.toBe(String(expected));
    }
    expect(await page.getByRole('img', { name: /Findings per day/ }).locator('rect').count()).toBeGreaterThan(0);
    const top = store.findings.filter((f) => f.severity === 'high');
    expect(top.length).toBeGreaterThan(0);
    await page.locator('[data-severity="high"]').click();
    await page.getByRole('heading', { name: 'Findings' }).waitFor();
    expect(page.url()).toContain('severityIs=high');
    const rows = page.getByRole('table', { name: 'Findings' }).locator('tbody tr');
    await rows.first().waitFor();
    expect(await rows.count()).toBe(Math.min(50, top.length));
    expect(new Set(await rows.locator('.sev').allTextContents())).toEqual(new Set(['high']));
    await context.close();
  });

  it('a relative time range (the default, last 7 days) counts only what is recent', async () => {
    const base = store.findings.find((f) => f.severity === 'medium');
    if (!base) throw new Error('the corpus has medium findings');
    const recent = { ...base, id: 'recent-1', eventTime: new Date(Date.now() - 3600_000).toISOString() };
    await store.db.write({ records: [], findings: [recent] });
    store.findings.push(recent);
    const { context, page } = await signedIn('viewer', '#/overview');
    await expect(page.locator('[data-severity="medium"]').textContent()).resolves.toBe('1');
    await expect(page.locator('[data-severity="high"]').textContent()).resolves.toBe('0');
    await page.getByRole('link', { name: 'last 1h' }).click();
    await expect.poll(() => page.locator('[data-severity="medium"]').textContent()).toBe('0');
    await context.close();
  });

  it('the findings list pages with the server’s cursors and filters through the URL', async () => {
    const { context, page } = await signedIn('viewer', '#/findings?range=all');
    const summaries = async () => {
      await page.getByRole('table', { name: 'Findings' }).locator('tbody tr').first().waitFor();
      return page.getByRole('table', { name: 'Findings' }).locator('tbody tr td:nth-child(4)').allTextContents();
    };
    const first = await summaries();
    expect(store.findings.length).toBeGreaterThan(50);
    expect(first).toHaveLength(50);
    await page.getByRole('link', { name: 'older →' }).click();
    await page.getByRole('link', { name: '← newer' }).waitFor();
    const second = await summaries();
    expect(second).toHaveLength(Math.min(50, store.findings.length - 50));
    await page.getByRole('link', { name: '← newer' }).click();
    await page.getByRole('link', { name: '← newer' }).waitFor({ state: 'detached' });
    expect(await summaries()).toEqual(first);

    // a filter from the form lands in the URL (a shareable link) and selects on the server
    const user = store.findings.find((f) => f.ruleId !== 'system-masters-used' && f.user !== '')?.user ?? '';
    await page.getByRole('textbox', { name: 'user' }).fill(user);
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL((u) => u.hash.includes(`user=${encodeURIComponent(user)}`));
    const rows = page.getByRole('table', { name: 'Findings' }).locator('tbody tr');
    await expect.poll(async () => [...new Set(await rows.locator('td:nth-child(5)').allTextContents())]).toEqual([user]);
    expect(await rows.count()).toBe(Math.min(50, store.findings.filter((f) => f.user === user).length));

    // the same link opened afresh shows the same list
    const again = await context.newPage();
    await again.goto(page.url());
    await again.getByRole('table', { name: 'Findings' }).locator('tbody tr').first().waitFor();
    expect(await again.getByRole('table', { name: 'Findings' }).locator('tbody tr').count()).toBe(await rows.count());

    await page.getByRole('link', { name: 'grouped into incidents' }).click();
    await page.getByRole('table', { name: 'Incidents' }).locator('tbody tr').first().waitFor();
    await context.close();
  });

  it('a viewer’s finding detail shows the evidence and the re-evaluated request but no raw event', async () => {
    const f = store.findings.find((x) => x.ruleId === 'anonymous-request-allowed');
    expect(f).toBeDefined();
    if (!f) return;
    const { context, page } = await signedIn('viewer', `#/finding/${encodeURIComponent(f.id)}`);
    await page.getByText(f.summary).waitFor();
    await expect(page.getByLabel('Evidence').textContent()).resolves.toBe(JSON.stringify(f.evidence, null, 2));
    await expect(page.locator('td[data-field="user"]').textContent()).resolves.toBe(f.user || '—');
    await expect(page.locator('td[data-field="decision"]').textContent()).resolves.toBe(f.decision ?? '—');
    await page.getByText('Raw events need the analyst role.').waitFor();
    expect(await status(page, `/v1/events/${encodeURIComponent(f.auditId)}`)).toBe(403);
    await context.close();
  });

  it('an analyst’s finding detail shows the raw event and links to the identity page', async () => {
    const f = store.findings.find((x) => x.ruleId === 'system-masters-used' && x.user !== '');
    if (!f?.user) throw new Error('the corpus has a system-masters-used finding');
    const { context, page } = await signedIn('analyst', `#/finding/${encodeURIComponent(f.id)}`);
    const raw = page.getByLabel(/^Raw event, /).first();
    await raw.waitFor();
    expect(await raw.textContent()).toContain(f.auditId);
    await page.getByRole('link', { name: f.user, exact: true }).click();
    await page.getByRole('heading', { name: `Identity ${f.user}` }).waitFor();
    await page.getByRole('table', { name: 'Credentials' }).waitFor();
    await page.getByRole('link', { name: 'system-masters-used' }).waitFor();
    await context.close();
  });

  it('the rules page lists the catalogue the store runs', async () => {
    const { context, page } = await signedIn('viewer', '#/rules');
    const rows = page.getByRole('table', { name: 'Rules' }).locator('tbody tr');
    await rows.first().waitFor();
    const res = await store.app.inject({ url: '/v1/rules', headers: { authorization: `Bearer ${apiTokens.viewer.token}` } });
    expect(await rows.count()).toBe((res.json<{ items: unknown[] }>()).items.length);
    await context.close();
  });
});

describe('console: live and export', () => {
  const made = (base: Finding, n: number, severity: Finding['severity']): Finding => ({ ...base, id: `live-${String(n)}`, severity, summary: `live finding ${String(n)}`, eventTime: new Date().toISOString() });

  it('new findings of the filter appear without a reload, and wait while paused', async () => {
    const base = store.findings[0];
    if (!base) throw new Error('the corpus has findings');
    const { context, page } = await signedIn('viewer', '#/findings?range=all&severity=high');
    await page.getByRole('status').filter({ hasText: 'live: new findings appear below' }).waitFor();
    await expect.poll(() => store.feed.subscribers()).toBe(1);
    store.feed.publish([made(base, 1, 'high'), made(base, 2, 'low')]);
    const fresh = page.getByRole('table', { name: 'New findings' }).locator('tbody tr');
    await fresh.first().waitFor();
    expect(await fresh.locator('td:nth-child(4)').allTextContents()).toEqual(['live finding 1']);

    await page.getByRole('button', { name: 'Pause' }).click();
    store.feed.publish([made(base, 3, 'critical')]);
    await page.getByRole('status').filter({ hasText: '1 new waiting' }).waitFor();
    expect(await fresh.count()).toBe(1);
    await page.getByRole('button', { name: 'Resume' }).click();
    await expect.poll(() => fresh.locator('td:nth-child(4)').allTextContents()).toEqual(['live finding 3', 'live finding 1']);
    await context.close();
    // the stream ends with the page
    await expect.poll(() => store.feed.subscribers()).toBe(0);
  });

  it('exports the current filter as CSV (a download) and NDJSON, every row', async () => {
    const { context, page } = await signedIn('viewer', '#/findings?range=all');
    const download = page.waitForEvent('download');
    await page.getByRole('link', { name: 'CSV' }).click();
    const file = await (await download).path();
    const rows = parseCsv<Record<string, string>>(await readFile(file, 'utf8'), { columns: true });
    expect(rows).toHaveLength(store.findings.length);
    expect(new Set(rows.map((r) => r.id))).toEqual(new Set(store.findings.map((f) => f.id)));
    const sample = store.findings[0];
    const row = rows.find((r) => r.id === sample?.id);
    expect(row && JSON.parse(row.evidence ?? 'null')).toEqual(sample?.evidence);

    const user = store.findings.find((f) => f.ruleId === 'system-masters-used')?.user ?? '';
    const ndjson = await page.evaluate(async (u) => (await fetch(`/v1/findings/export?format=ndjson&user=${encodeURIComponent(u)}`)).text(), user);
    const lines = ndjson.trimEnd().split('\n').map((l) => JSON.parse(l) as Finding);
    expect(lines.map((f) => f.id).sort()).toEqual(store.findings.filter((f) => f.user === user).map((f) => f.id).sort());
    await context.close();
  });
});

describe('console: triage', () => {
  it('an analyst sets a state with a comment; the list filters by it; the action log says who and when; a viewer cannot', async () => {
    const f = store.findings.find((x) => x.ruleId === 'anonymous-request-allowed');
    if (!f) throw new Error('the corpus has an anonymous-request-allowed finding');
    const { context, page } = await signedIn('analyst', `#/finding/${encodeURIComponent(f.id)}`);
    await expect(page.locator('[data-triage-state]').textContent()).resolves.toBe('new');
    const form = page.getByRole('form', { name: 'Set triage state' });
    await form.getByLabel('state').selectOption('acknowledged');
    await form.getByLabel('comment').fill('checking the load balancer');
    await form.getByRole('button', { name: 'Save' }).click();
    await page.locator('[data-triage-state="acknowledged"]').waitFor();
    const log = page.getByRole('table', { name: 'Action log' }).locator('tbody tr');
    expect(await log.first().locator('td').allTextContents()).toEqual([expect.stringMatching(/UTC$/), apiTokens.analyst.name, 'set acknowledged', 'checking the load balancer']);

    await page.goto(`${store.url}/ui/#/findings?range=all&triage=acknowledged`);
    const rows = page.getByRole('table', { name: 'Findings' }).locator('tbody tr');
    await expect.poll(() => rows.locator('td:nth-child(8)').allTextContents()).toEqual(['acknowledged']);
    await context.close();

    const viewer = await signedIn('viewer', `#/finding/${encodeURIComponent(f.id)}`);
    await viewer.page.locator('[data-triage-state="acknowledged"]').waitFor();
    expect(await viewer.page.getByRole('form', { name: 'Set triage state' }).count()).toBe(0);
    expect(await status(viewer.page, '/v1/triage', { method: 'POST' })).toBe(403);
    await viewer.context.close();
  });

  it('"suppress like this" shows the drafted exception and lists it for admins on the action log page', async () => {
    const f = store.findings.find((x) => x.ruleId === 'system-masters-used');
    if (!f) throw new Error('the corpus has a system-masters-used finding');
    const { context, page } = await signedIn('analyst', `#/finding/${encodeURIComponent(f.id)}`);
    await page.getByText('Suppress like this').click();
    const form = page.getByRole('form', { name: 'Suppress like this' });
    await form.getByRole('checkbox', { name: /^cluster \(/ }).check();
    await form.getByLabel('why').fill('break-glass admin');
    await form.getByRole('button', { name: 'Propose to an admin' }).click();
    const draft = page.getByLabel('Suppression draft');
    await Promise.race([draft.waitFor(), page.getByRole('alert').waitFor().then(async () => { throw new Error(String(await page.getByRole('alert').textContent())); })]);
    const text = await draft.textContent();
    expect(text).toContain('system-masters-used:');
    expect(text).toContain(`record.user == ${JSON.stringify(f.user)} && record.cluster == ${JSON.stringify(f.cluster)}`);
    await context.close();

    const admin = await signedIn('admin', '#/actions');
    await admin.page.getByRole('heading', { name: 'Suppressions proposed' }).waitFor();
    await admin.page.getByText(`${apiTokens.analyst.name}, `).first().waitFor();
    expect(await admin.page.locator('figure.draft pre').first().textContent()).toBe(text);
    await admin.context.close();
  });
});

describe('console: analyst pages', () => {
  const api = async <T>(path: string): Promise<T> => (await store.app.inject({ url: path, headers: { authorization: `Bearer ${apiTokens.analyst.token}` } })).json<T>();

  it('event search filters the records on the server; a viewer has no event search or credentials page', async () => {
    const user = store.findings.find((f) => f.ruleId === 'anonymous-request-allowed')?.user ?? '';
    const { context, page } = await signedIn('analyst', '#/events?range=all');
    await page.getByRole('table', { name: 'Events' }).locator('tbody tr').first().waitFor();
    await page.getByRole('form', { name: 'Event filters' }).getByRole('textbox', { name: 'user' }).fill(user);
    await page.getByRole('button', { name: 'Search' }).click();
    const rows = page.getByRole('table', { name: 'Events' }).locator('tbody tr');
    await expect.poll(async () => [...new Set(await rows.locator('td:nth-child(2)').allTextContents())]).toEqual([user]);
    const expected = await api<{ items: unknown[] }>(`/v1/events?user=${encodeURIComponent(user)}&limit=50`);
    expect(await rows.count()).toBe(expected.items.length);
    await context.close();

    const viewer = await signedIn('viewer', '#/events?range=all');
    await viewer.page.getByRole('heading', { name: 'Overview' }).waitFor();
    expect(await viewer.page.getByRole('navigation', { name: 'Pages' }).getByRole('link').allTextContents()).toEqual(['Overview', 'Findings', 'Rules', 'Action log']);
    await viewer.context.close();
  });

  it('the credentials page lists what the store says, with staleness', async () => {
    const { context, page } = await signedIn('analyst', '#/credentials?staleAfterDays=1');
    const expected = await api<{ items: { credentialId: string; stale: boolean }[] }>('/v1/credentials?staleAfterDays=1&limit=50');
    expect(expected.items.length).toBeGreaterThan(0);
    const rows = page.getByRole('table', { name: 'Credentials' }).locator('tbody tr');
    await rows.first().waitFor();
    expect(await rows.locator('td:nth-child(1)').allTextContents()).toEqual(expected.items.map((c) => c.credentialId));
    expect(await rows.locator('td:nth-child(8)').allTextContents()).toEqual(expected.items.map((c) => (c.stale ? 'stale' : 'no')));
    await context.close();
  });
});
