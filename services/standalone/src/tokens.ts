import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseApiTokens, parseIngestTokens, type ApiToken, type IngestToken } from '#shared/config';

// First start without configured tokens: generate them once, keep them under the data directory with
// mode 0600 (same format as KAUDIT_INGEST_TOKENS / KAUDIT_API_TOKENS, so *_FILE can point at them).
export const tokenFiles = (dataDir: string) => ({
  ingest: path.join(dataDir, 'ingest-tokens'),
  api: path.join(dataDir, 'api-tokens'),
});

const newToken = () => randomBytes(24).toString('base64url');

function ensureFile(file: string, content: () => string): { text: string; created: boolean } {
  if (existsSync(file)) return { text: readFileSync(file, 'utf8'), created: false };
  writeFileSync(file, content(), { mode: 0o600, flag: 'wx' });
  return { text: readFileSync(file, 'utf8'), created: true };
}

/** The data directory holds the bus, the database, tokens and keys: private to kaudit's user (0700). */
export function privateDataDir(dataDir: string): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  chmodSync(dataDir, 0o700);
}

export function generatedTokens(dataDir: string, announce: (message: string) => void): { ingest: IngestToken[]; api: ApiToken[] } {
  privateDataDir(dataDir);
  const files = tokenFiles(dataDir);
  const ingest = ensureFile(files.ingest, () => `default=${newToken()}\n`);
  const api = ensureFile(files.api, () => `admin:admin=${newToken()}\nanalyst:analyst=${newToken()}\nviewer:viewer=${newToken()}\n`);
  const verb = ingest.created || api.created ? 'generated' : 'using';
  announce(`${verb} tokens: ingest ${files.ingest}, query API ${files.api} (mode 0600)`);
  return { ingest: parseIngestTokens(ingest.text), api: parseApiTokens(api.text) };
}

/** The redaction key of `npm start` (KAUDIT_REDACTION_KEY unset): generated once, 0600, like the tokens. */
export function generatedRedactionKey(dataDir: string): Buffer {
  privateDataDir(dataDir);
  const file = path.join(dataDir, 'redaction-key');
  return Buffer.from(ensureFile(file, () => `${randomBytes(32).toString('hex')}\n`).text.trim(), 'utf8');
}
