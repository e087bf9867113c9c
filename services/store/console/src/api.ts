// The query API as the console calls it: same origin, the session cookie, and the CSRF token on writes.

export type Role = 'viewer' | 'analyst' | 'admin';
export interface SessionInfo {
  name: string;
  role: Role;
  csrfToken: string;
  expiresAt: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

let csrfToken = '';
export const setCsrfToken = (t: string) => (csrfToken = t);

const roles: Role[] = ['viewer', 'analyst', 'admin'];
export const atLeast = (role: Role, minimum: Role) => roles.indexOf(role) >= roles.indexOf(minimum);

/** A query string of the defined, non-empty values (arrays repeat the key). */
export function queryString(params: Record<string, string | string[] | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === '') continue;
    for (const one of Array.isArray(v) ? v : [v]) if (one !== '') q.append(k, one);
  }
  const s = q.toString();
  return s === '' ? '' : `?${s}`;
}

async function call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET') headers['x-kaudit-csrf'] = csrfToken;
  const res = await fetch(path, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  const parsed = text === '' ? undefined : (JSON.parse(text) as unknown);
  if (!res.ok) {
    const message = (parsed as { message?: string } | undefined)?.message ?? res.statusText;
    throw new ApiError(res.status, message);
  }
  return parsed as T;
}

export const get = <T>(path: string) => call<T>('GET', path);
export const post = <T>(path: string, body?: unknown) => call<T>('POST', path, body ?? {});

// The shapes the pages read (the API's OpenAPI document at /docs has them all).
export type Severity = 'info' | 'low' | 'medium' | 'high' | 'critical';
export interface Finding {
  id: string;
  ruleId: string;
  title: string;
  severity: Severity;
  category: string;
  mitre: string[];
  cluster: string;
  auditId: string;
  stage: string;
  eventTime: string;
  user: string;
  groups: string[] | null;
  sourceIps: string[] | null;
  userAgent: string | null;
  verb: string | null;
  apiGroup: string | null;
  resource: string | null;
  subresource: string | null;
  namespace: string | null;
  name: string | null;
  decision: string | null;
  responseCode: number | null;
  summary: string;
  evidence: Record<string, unknown>;
}
export interface Incident {
  id: string;
  ruleId: string;
  title: string;
  severity: Severity;
  cluster: string;
  user: string;
  count: number;
  first: string;
  last: string;
  namespaces: string[];
  findingIds: string[];
}
export type AuditRecord = Record<string, unknown>;
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
export interface Stats {
  buckets: { start: string | null; key: string | null; count: number }[];
}
export interface RuleEntry {
  id: string;
  title: string;
  severity: Severity;
  enabled: boolean;
  category: string;
  [k: string]: unknown;
}
