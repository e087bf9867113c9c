// Screenshots of the console's pages for docs/console/ (README, "SOC console"), taken in Debian's Chromium
// against a store filled from ../shared/corpus, as the browser tests fill it. Run after `npm run build`:
//   npx tsx --conditions=source scripts/console-screenshots.ts
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { apiTokens } from '../test/helpers/pipeline.js';
import { consoleStore, launchChromium } from '../test/helpers/console-browser.js';

const out = path.resolve(import.meta.dirname, '..', 'docs', 'console');
mkdirSync(out, { recursive: true });
const [store, browser] = await Promise.all([consoleStore(), launchChromium()]);
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const shot = async (name: string, hash: string, ready: string) => {
    await page.goto(`${store.url}/ui/${hash}`);
    await page.locator(ready).first().waitFor();
    await page.screenshot({ path: path.join(out, `${name}.png`), fullPage: false });
    console.log(`docs/console/${name}.png`);
  };
  await page.goto(`${store.url}/ui/`);
  await page.screenshot({ path: path.join(out, 'sign-in.png') });
  console.log('docs/console/sign-in.png');
  await page.getByLabel('API token').fill(apiTokens.analyst.token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText(`${apiTokens.analyst.name} (analyst)`).waitFor();

  // some triage, so the lists and the action log show it
  const anonymous = store.findings.find((f) => f.ruleId === 'anonymous-request-allowed');
  const masters = store.findings.find((f) => f.ruleId === 'system-masters-used');
  if (!anonymous || !masters) throw new Error('the corpus has these findings');
  const csrf = await page.evaluate(async () => ((await (await fetch('/v1/session')).json()) as { csrfToken: string }).csrfToken);
  const post = (url: string, body: unknown) =>
    page.evaluate(async ([u, b, t]) => (await fetch(u, { method: 'POST', headers: { 'content-type': 'application/json', 'x-kaudit-csrf': t }, body: JSON.stringify(b) })).status, [url, body, csrf] as const);
  await post('/v1/triage', { findingIds: [anonymous.id], state: 'acknowledged', comment: 'checking the load balancer health checks' });
  await post('/v1/triage', { incidentId: masters.id, state: 'false-positive', comment: 'kubeadm bootstrap by the platform team' });
  await post(`/v1/findings/${masters.id}/suppression`, { fields: ['user', 'cluster'], comment: 'break-glass admin of the lab cluster' });

  await shot('overview', '#/overview?range=all', '[data-severity="high"]');
  await shot('findings', '#/findings?range=all', 'table[aria-label="Findings"] tbody tr');
  await shot('incidents', '#/findings?range=all&view=incidents', 'table[aria-label="Incidents"] tbody tr');
  await shot('finding', `#/finding/${encodeURIComponent(anonymous.id)}`, 'pre[aria-label^="Raw event"]');
  await shot('identity', `#/identity/${encodeURIComponent(masters.user)}`, 'table[aria-label="Credentials"]');
  await shot('events', '#/events?range=all', 'table[aria-label="Events"] tbody tr');
  await shot('credentials', '#/credentials?staleAfterDays=1', 'table[aria-label="Credentials"] tbody tr');
  await shot('rules', '#/rules', 'table[aria-label="Rules"] tbody tr');
  await shot('actions', '#/actions', 'figure.draft');
  await context.close();
} finally {
  await browser.close();
  await store.close();
}
