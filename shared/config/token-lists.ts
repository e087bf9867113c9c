import { readFileSync } from 'node:fs';
import { apiRoles, type ApiRole } from '#shared/auth';
import { errorMessage } from '#shared/errors';

// Token lists: `<cluster>=<token>,…` for ingest, `<name>:<role>=<token>,…` for the API. Entries may be
// separated by commas or newlines (so a file can hold one per line); `#` starts a comment line.

export interface IngestToken {
  cluster: string;
  token: string;
}
export interface ApiToken {
  name: string;
  role: ApiRole;
  token: string;
}

function entries(text: string): string[] {
  return text
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter((s) => s !== '' && !s.startsWith('#'));
}

function splitPair(entry: string, what: string): [string, string] {
  const eq = entry.indexOf('=');
  if (eq <= 0 || eq === entry.length - 1) throw new Error(`an entry is not of the form ${what}`);
  return [entry.slice(0, eq).trim(), entry.slice(eq + 1).trim()];
}

const minTokenLength = 16;

function checkToken(token: string): string {
  if (token.length < minTokenLength) throw new Error(`a token is shorter than ${String(minTokenLength)} characters`);
  return token;
}

export function parseIngestTokens(text: string): IngestToken[] {
  return entries(text).map((e) => {
    const [cluster, token] = splitPair(e, '<cluster>=<token>');
    if (!/^[A-Za-z0-9._-]+$/.test(cluster)) throw new Error(`cluster name "${cluster}" must match [A-Za-z0-9._-]+`);
    return { cluster, token: checkToken(token) };
  });
}

export function parseApiTokens(text: string): ApiToken[] {
  return entries(text).map((e) => {
    const [left, token] = splitPair(e, '<name>:<role>=<token>');
    const colon = left.lastIndexOf(':');
    const name = colon > 0 ? left.slice(0, colon) : '';
    const role = left.slice(colon + 1);
    if (name === '') throw new Error('an entry is not of the form <name>:<role>=<token>');
    if (!(apiRoles as readonly string[]).includes(role)) {
      throw new Error(`role "${role}" of "${name}" is not one of ${apiRoles.join(', ')}`);
    }
    return { name, role: role as ApiRole, token: checkToken(token) };
  });
}

/** The value of NAME, or the content of the file named by NAME_FILE. */
export function valueOrFile(env: Record<string, string | undefined>, name: string): string | undefined {
  const direct = env[name];
  if (direct !== undefined && direct !== '') return direct;
  const file = env[`${name}_FILE`];
  if (file === undefined || file === '') return undefined;
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read ${file}: ${errorMessage(err)}`, { cause: err });
  }
}
