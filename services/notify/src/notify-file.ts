import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { severities } from '#shared/contracts';
import { configError as invalid, readConfigFile } from '#shared/config';
import { customFields, unknownPlaceholders } from './outputs/custom-body.js';

// The notify service's file (KAUDIT_NOTIFY_FILE, YAML or JSON): the outputs findings are delivered to and the
// routes that pick which findings go where.

const name = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'a name is lower-case letters, digits and dashes');
const alertmanager = z
  .object({
    type: z.literal('alertmanager'),
    /** the Alertmanager's base URL (alerts go to <url>/api/v2/alerts) */
    url: z.url({ protocol: /^https?$/ }),
    /** how long one request may take */
    timeoutSeconds: z.number().positive().max(300).default(10),
    /** at most this many requests a minute (undefined: no limit) */
    maxPerMinute: z.number().int().positive().optional(),
    /** how long an alert stays firing in Alertmanager after its last delivery (its endsAt) */
    resolveAfterMinutes: z.number().positive().max(7 * 24 * 60).default(60),
  })
  .strict();
/**
 * A secret: given inline, or (better) as a file that holds it (its trailing newline dropped), or as an
 * environment variable of the KAUDIT_NOTIFY_SECRET_ family (a Kubernetes Secret's env, say).
 */
const secretFile = z.union([
  z.object({ file: z.string().min(1) }).strict(),
  z.object({ env: z.string().regex(/^KAUDIT_NOTIFY_SECRET_[A-Z0-9_]+$/, 'a secret’s variable is named KAUDIT_NOTIFY_SECRET_<NAME>') }).strict(),
]);
export type Secret = string | z.infer<typeof secretFile>;
const webhook = z
  .object({
    type: z.literal('webhook'),
    /** where to POST: the URL itself, `{file}` or `{env}` (a chat webhook's URL is its credential) */
    url: z.union([z.url({ protocol: /^https?$/ }), secretFile]),
    /** the body: a ready template, `json` (the finding as it is), or `custom` (`body`, with placeholders) */
    template: z.enum(['slack', 'mattermost', 'teams', 'pagerduty', 'falco', 'json', 'custom']).default('json'),
    /** the custom template's JSON body; its strings may hold {{field}} placeholders (outputs/custom-body.ts) */
    body: z.json().optional(),
    /** more request headers (an API key, say), each value a string or a secret */
    headers: z.record(z.string().regex(/^[A-Za-z0-9-]+$/, 'a header name is letters, digits and dashes'), z.union([z.string(), secretFile])).optional(),
    /** PagerDuty Events v2's integration key (template pagerduty only) */
    routingKey: z.union([z.string().min(1), secretFile]).optional(),
    timeoutSeconds: z.number().positive().max(300).default(10),
    /** at most this many findings a minute (undefined: no limit); the rest wait their turn */
    maxPerMinute: z.number().int().positive().optional(),
  })
  .strict()
  .refine((w) => (w.template === 'pagerduty') === (w.routingKey !== undefined), { error: 'routingKey is for the pagerduty template, and that template needs one', path: ['routingKey'] })
  .refine((w) => (w.template === 'custom') === (w.body !== undefined), { error: 'body is for the custom template, and that template needs one', path: ['body'] })
  .superRefine((w, ctx) => {
    const unknown = unknownPlaceholders(w.body);
    if (unknown.length > 0) ctx.addIssue({ code: 'custom', path: ['body'], message: `no field named ${unknown.join(', ')} (fields: ${customFields.join(', ')})` });
  });
const syslog = z
  .object({
    type: z.literal('syslog'),
    /** host:port of the receiver (a SIEM's syslog input, rsyslog, syslog-ng) */
    address: z.string().regex(/^[^\s:]+:\d{1,5}$|^\[[0-9a-fA-F:]+\]:\d{1,5}$/, 'expected host:port'),
    /** TLS (RFC 5425); absent: plain TCP */
    tls: z.object({ caFile: z.string().min(1).optional(), serverName: z.string().min(1).optional() }).strict().optional(),
    /** the message: RFC 5424 with structured data, or an ArcSight CEF line */
    format: z.enum(['rfc5424', 'cef']).default('rfc5424'),
    facility: z.enum(['kern', 'user', 'auth', 'authpriv', 'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7']).default('authpriv'),
    appName: z.string().min(1).max(48).default('kaudit'),
    timeoutSeconds: z.number().positive().max(300).default(10),
    /** at most this many messages a minute (undefined: no limit) */
    maxPerMinute: z.number().int().positive().optional(),
  })
  .strict();
const output = z.discriminatedUnion('type', [alertmanager, webhook, syslog]);
const route = z
  .object({
    name,
    match: z
      .object({
        minSeverity: z.enum(severities).optional(),
        rules: z.array(z.string().min(1)).min(1).optional(),
        categories: z.array(z.string().min(1)).min(1).optional(),
        clusters: z.array(z.string().min(1)).min(1).optional(),
        namespaces: z.array(z.string().min(1)).min(1).optional(),
      })
      .strict()
      .default({}),
    outputs: z.array(name).min(1),
    /**
     * Grouping: the findings of one rule and one identity (cluster and user) within a window become one
     * notification with their count and first and last times, sent when the window closes.
     */
    group: z
      .object({ windowSeconds: z.number().positive().max(24 * 3600) })
      .strict()
      .optional(),
  })
  .strict();
const fileSchema = z
  .object({
    outputs: z.record(name, output),
    routes: z.array(route).min(1),
    delivery: z
      .object({
        /** how long a notification is retried before it is parked in the DLQ */
        retryForSeconds: z.number().positive().max(7 * 24 * 3600).default(3600),
        firstBackoffMs: z.number().int().positive().max(60_000).default(500),
        maxBackoffMs: z.number().int().positive().max(3_600_000).default(60_000),
      })
      .strict()
      .default({ retryForSeconds: 3600, firstBackoffMs: 500, maxBackoffMs: 60_000 }),
    /** the base of each finding's link (the query API's /v1/findings/<id>), e.g. https://kaudit.example.com:8080 */
    links: z.object({ baseUrl: z.url({ protocol: /^https?$/ }) }).strict().optional(),
  })
  .strict()
  .superRefine((f, ctx) => {
    for (const [i, r] of f.routes.entries()) {
      for (const o of r.outputs) if (!(o in f.outputs)) ctx.addIssue({ code: 'custom', path: ['routes', i, 'outputs'], message: `no output named ${o}` });
    }
    const names = f.routes.map((r) => r.name);
    const twice = names.find((n, i) => names.indexOf(n) !== i);
    if (twice !== undefined) ctx.addIssue({ code: 'custom', path: ['routes'], message: `two routes are named ${twice}` });
  });

export type NotifyFile = z.infer<typeof fileSchema>;
export type NotifyOutput = z.infer<typeof output>;
export type NotifyRoute = z.infer<typeof route>;
/** The notify service's routes and outputs, from the file KAUDIT_NOTIFY_FILE names. */
export function readNotifyFile(file: string): NotifyFile {
  const text = readConfigFile('KAUDIT_NOTIFY_FILE', file);
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw invalid('KAUDIT_NOTIFY_FILE', `${file} is not YAML: ${err instanceof Error ? err.message.split('\n')[0] ?? '' : String(err)}`);
  }
  const parsed = fileSchema.safeParse(doc);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue === undefined || issue.path.length === 0 ? '' : ` at ${issue.path.join('.')}`;
    throw invalid('KAUDIT_NOTIFY_FILE', `${file}${where}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}
