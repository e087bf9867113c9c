import type { Notification } from '../notification.js';

// The webhook output's `custom` template: a JSON body written in the notify file, whose strings may hold
// `{{field}}` placeholders. They are filled in the parsed body, string by string, so a finding's text can
// never change the body's structure; a string that is a placeholder alone takes the field's own type (the
// count stays a number, an absent namespace becomes null).

type Value = string | number | null;

const fields = {
  id: (n) => n.id,
  finding: (n) => n.finding.id,
  rule: (n) => n.finding.ruleId,
  title: (n) => n.finding.title,
  severity: (n) => n.finding.severity,
  category: (n) => n.finding.category,
  mitre: (n) => n.finding.mitre.join(','),
  cluster: (n) => n.finding.cluster,
  namespace: (n) => n.finding.namespace,
  user: (n) => n.finding.user,
  verb: (n) => n.finding.verb,
  resource: (n) => n.finding.resource,
  subresource: (n) => n.finding.subresource,
  name: (n) => n.finding.name,
  summary: (n) => n.finding.summary,
  eventTime: (n) => n.finding.eventTime,
  sourceIp: (n) => n.finding.sourceIps[0] ?? null,
  userAgent: (n) => n.finding.userAgent,
  auditId: (n) => n.finding.auditId,
  decision: (n) => n.finding.decision,
  count: (n) => n.count,
  first: (n) => n.first,
  last: (n) => n.last,
} satisfies Record<string, (n: Notification) => Value>;
type Field = keyof typeof fields;
const fieldNames = new Set<string>([...Object.keys(fields), 'link']);
const placeholder = /\{\{\s*([A-Za-z]+)\s*\}\}/g;
const alone = /^\{\{\s*([A-Za-z]+)\s*\}\}$/;

/** The placeholders of `body` that name no field (empty: the body is fine). */
export function unknownPlaceholders(body: unknown): string[] {
  const out = new Set<string>();
  const walk = (v: unknown): void => {
    if (typeof v === 'string') {
      for (const m of v.matchAll(placeholder)) if (!fieldNames.has(m[1] ?? '')) out.add(m[1] ?? '');
    } else if (Array.isArray(v)) v.forEach(walk);
    else if (typeof v === 'object' && v !== null) Object.entries(v).forEach(([k, x]) => {
      walk(k);
      walk(x);
    });
  };
  walk(body);
  return [...out];
}

/** `body` with its placeholders filled from the notification. */
export function customBody(body: unknown, n: Notification, link: string | undefined): unknown {
  const value = (name: string): Value => (name === 'link' ? (link ?? null) : fields[name as Field](n));
  const fill = (v: unknown): unknown => {
    if (typeof v === 'string') {
      const only = alone.exec(v);
      if (only) return value(only[1] ?? '');
      return v.replace(placeholder, (_m, name: string) => String(value(name) ?? ''));
    }
    if (Array.isArray(v)) return v.map(fill);
    if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [fill(k) as string, fill(x)]));
    return v;
  };
  return fill(body);
}

/** The field names a custom body may use, for the error that lists them. */
export const customFields = [...fieldNames];
