import { configError, readConfigFile } from '#shared/config';
import { postJson, type Attempt } from '../deliver.js';
import type { Notification } from '../notification.js';
import type { NotifyOutput, Secret } from '../notify-file.js';
import { bodyOf } from './templates.js';

// The generic webhook output: one POST a notification, its body made by the output's template, with the
// notification's id (the finding's, or the group's) as `Idempotency-Key` (PagerDuty's dedup_key too). The
// URL, PagerDuty's routing key and extra headers' values may be files or KAUDIT_NOTIFY_SECRET_* variables:
// read once, at start, and never logged.

type WebhookOutput = Extract<NotifyOutput, { type: 'webhook' }>;

/** A secret's value: inline, from its file, or from its KAUDIT_NOTIFY_SECRET_* variable (`secrets`). */
function secret(v: Secret, what: string, secrets: Readonly<Record<string, string>>): string {
  if (typeof v === 'string') return v;
  if ('file' in v) return readConfigFile(`KAUDIT_NOTIFY_FILE (${what})`, v.file).trim();
  const value = secrets[v.env];
  if (value === undefined) throw configError(v.env, `is not set, but KAUDIT_NOTIFY_FILE's ${what} names it`);
  return value;
}

export function webhookSender(output: WebhookOutput, linkOf: (n: Notification) => string | undefined, secrets: Readonly<Record<string, string>>): (n: Notification) => Promise<Attempt> {
  const url = secret(output.url, 'url', secrets);
  const routingKey = output.routingKey === undefined ? undefined : secret(output.routingKey, 'routingKey', secrets);
  const headers = Object.fromEntries(Object.entries(output.headers ?? {}).map(([k, v]) => [k.toLowerCase(), secret(v, `headers.${k}`, secrets)]));
  // the reason names the failure, never the URL (it may be the credential)
  return (n) => postJson(url, bodyOf(output.template, n, { link: linkOf(n), routingKey, body: output.body }), { headers: { ...headers, 'idempotency-key': n.id }, timeoutSeconds: output.timeoutSeconds, hide: url });
}
