// What credential material looks like under a name and inside text. One definition serves the redactor (which
// replaces it before anything is written) and credentials-in-configmap (which reports where it was: it sees
// the redacted event, so it also recognises the markers the redactor leaves).
//
// Names: word-wise, so `db_password`, `clientSecret`, `API_KEY`, `aws_access_key_id` and `dbpassword` are
// credentials but `max_tokens`, `tokenizer` are not; names that refer to a credential instead of holding one
// (`secretName`, `tokenFile`, `passwordPath`, `tokenUrl`) are not credentials.
// Text: PEM private keys, JWTs, `Bearer`/`Basic` authorization values, passwords in URLs
// (`scheme://user:password@host`), credential query parameters (`?password=`, `&client_secret=`,
// `&apikey=`, `?access_token=`), and `name = value` / `name: value` / `"name": "value"` assignments of
// credential names inside properties, env, YAML (kubeconfigs), INI or JSON text.
// Bounded quantifiers throughout: a value is up to a MiB of text chosen by whoever wrote it.

/** A redaction marker: `[redacted hmac:<12 hex>]`, or `[redacted <kind> hmac:<12 hex>]` for a kind found in text. */
export const markerPattern = /\[redacted (?:([a-z-]{1,32}) )?hmac:[0-9a-f]{12}\]/;
const wholeMarker = new RegExp(`^${markerPattern.source}$`);
export const isMarker = (text: string): boolean => text.startsWith('[redacted ') && wholeMarker.test(text);

const credentialWord = /(?:password|passwd|passphrase|secret|token)$/;
const credentialPair = new Set(['apikey', 'accesskey', 'privatekey', 'secretkey', 'clientkey']);
const referenceWord = new Set([
  'name', 'names', 'ref', 'file', 'path', 'dir', 'url', 'uri', 'endpoint', 'type', 'mode', 'ttl', 'expiry',
  'expiration', 'length', 'size', 'enabled', 'header', 'namespace', 'policy', 'version', 'format',
]);

function nameWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w !== '');
}

function credentialNameUncached(name: string): boolean {
  if (name.length > 128) return false;
  const words = nameWords(name);
  const last = words.at(-1);
  if (last === undefined || referenceWord.has(last)) return false;
  for (let i = 0; i < words.length; i++) {
    const w = words[i] ?? '';
    if (credentialWord.test(w) || /(?:password|passphrase|secret)s$/.test(w) || credentialPair.has(w)) return true;
    if (credentialPair.has(w + (words[i + 1] ?? ''))) return true;
  }
  return false;
}

// Object keys repeat across events (the redactor asks for every string field): answers are remembered.
const knownNames = new Map<string, boolean>();
export function isCredentialName(name: string): boolean {
  let known = knownNames.get(name);
  if (known === undefined) {
    known = credentialNameUncached(name);
    if (knownNames.size >= 20_000) knownNames.clear();
    knownNames.set(name, known);
  }
  return known;
}

export const awsKeyId = /(?<![A-Z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])/;
export const pemPrivateKey = /-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY-----/;
const pemBlock = /(-----BEGIN ([A-Z0-9 ]{0,40})PRIVATE KEY-----)([\s\S]*?)(-----END \2PRIVATE KEY-----|$)/g;
const jwtToken = /(?<![A-Za-z0-9_.-])eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}(?![A-Za-z0-9_.-])/g;
const authorization = /\b(Bearer|Basic)([ \t]{1,16})([A-Za-z0-9\-._~+/]{8,4096}=*)/gi;
const urlPassword = /\b([a-z][a-z0-9+.-]{1,20}:\/\/[^\s/:@"'<>]{1,256}:)([^\s/@"'<>]{1,256})@/gi;
const queryParameter = /([?&;])([A-Za-z0-9_.-]{1,64})=([^&#\s"'<>]{1,4096})/g;
const signatureParameter = /^(?:sig|signature|x-amz-signature|x-amz-credential|x-amz-security-token|x-goog-signature|x-goog-credential)$/i;
const assignmentLine = /^([\s"'{,-]{0,64}(?:export[ \t]{1,8})?)([A-Za-z][A-Za-z0-9_.-]{0,127})(["']?[ \t]{0,16}[:=][ \t]{0,16})(\S.*)$/;
const jsonPair = /"([A-Za-z][A-Za-z0-9_.-]{0,127})"([ \t]{0,16}:[ \t]{0,16})"((?:[^"\\]|\\.){1,4096})"/g;
/** Strings that may carry any of the above; the rest is returned untouched without running the patterns. */
const mayCarry = /bearer|basic|private key|eyj|:\/\/|pass|secret|token|key|phrase|pwd|sig|cred/i;

export function hasJwt(value: string): boolean {
  if (value.includes('[redacted jwt ')) return true;
  if (!value.includes('eyJ')) return false;
  // Tokens are runs of base64url characters and dots; splitting keeps the scan linear.
  for (const token of value.split(/[^A-Za-z0-9_.-]+/)) {
    if (!token.startsWith('eyJ')) continue;
    const parts = token.split('.');
    if (parts.length === 3 && parts.every((p) => p.length >= 8)) return true;
  }
  return false;
}

/** Empty, null, or a reference resolved elsewhere (`${VAR}`, `$(VAR)`, `{{ template }}`): no credential here. */
export function placeholder(value: string): boolean {
  return value === '' || value === 'null' || value === '~' || value.startsWith('${') || value.startsWith('$(') || value.startsWith('{{');
}

/** A value under a credential name that holds one: not empty, not a reference, not already a marker. */
export function holdsCredential(value: string): boolean {
  const v = value.trim();
  return !placeholder(v) && !v.startsWith('[redacted') && v !== 'true' && v !== 'false' && v !== '|' && v !== '>';
}

/** Names of credential-like settings assigned a non-empty, non-reference value inside a file-like value. */
export function embeddedCredentialNames(value: string): string[] {
  const names = new Set<string>();
  for (const line of value.split('\n')) {
    const m = assignmentLine.exec(line);
    const name = m?.[2];
    const rest = m?.[4];
    if (name !== undefined && rest !== undefined && isCredentialName(name) && !placeholder(unquoted(rest))) names.add(name);
    if (line.includes('"')) {
      for (const j of line.matchAll(jsonPair)) {
        if (j[1] !== undefined && j[3] !== undefined && !/^[\s$]/.test(j[3]) && isCredentialName(j[1])) names.add(j[1]);
      }
    }
    if (names.size >= 10) break;
  }
  return [...names];
}

function unquoted(rest: string): string {
  return rest.trim().replace(/,$/, '').replace(/^["']|["']$/g, '');
}

/** Replaces a secret found in text; `kind` names what it was when the text alone says so (jwt, private-key). */
export type MarkText = (secret: string, kind?: string) => string;

const looksLikeToken = (v: string) => /[0-9\-._~+/=]/.test(v);
const basicCredentials = (v: string) => Buffer.from(v, 'base64').toString('latin1').includes(':');

/** `text` with every credential it carries replaced by `mark(secret)`; the same string when it carries none. */
export function redactText(text: string, mark: MarkText): string {
  if (text.length < 8 || !mayCarry.test(text)) return text;
  let out = text;
  if (out.includes('PRIVATE KEY-----')) {
    out = out.replace(pemBlock, (m, begin: string, type: string, body: string, end: string) => (isMarker(body.trim()) ? m : `${begin}\n${mark(body, 'private-key')}\n${end === '' ? `-----END ${type}PRIVATE KEY-----` : end}`));
  }
  if (out.includes('eyJ')) out = out.replace(jwtToken, (m) => mark(m, 'jwt'));
  if (/bearer|basic/i.test(out)) {
    out = out.replace(authorization, (m, scheme: string, space: string, value: string) =>
      (scheme.toLowerCase() === 'bearer' ? looksLikeToken(value) : basicCredentials(value)) ? `${scheme}${space}${mark(value)}` : m,
    );
  }
  if (out.includes('://')) out = out.replace(urlPassword, (_m, prefix: string, password: string) => `${prefix}${mark(password)}@`);
  if (out.includes('=')) {
    out = out.replace(queryParameter, (m, sep: string, name: string, value: string) =>
      (isCredentialName(name) || signatureParameter.test(name)) && holdsCredential(value) ? `${sep}${name}=${mark(value)}` : m,
    );
  }
  if (out.includes('"')) {
    out = out.replace(jsonPair, (m, name: string, colon: string, value: string) => (isCredentialName(name) && holdsCredential(value) ? `"${name}"${colon}"${mark(value)}"` : m));
  }
  if (out.includes(':') || out.includes('=')) out = redactAssignments(out, mark);
  return out;
}

function redactAssignments(text: string, mark: MarkText): string {
  const lines = text.split('\n');
  let changed = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const m = assignmentLine.exec(line);
    if (m === null) continue;
    const [, prefix = '', name = '', op = '', rest = ''] = m;
    if (!isCredentialName(name)) continue;
    const value = unquoted(rest);
    if (!holdsCredential(value)) continue;
    const at = rest.indexOf(value);
    lines[i] = `${prefix}${name}${op}${rest.slice(0, at)}${mark(value)}${rest.slice(at + value.length)}`;
    changed = true;
  }
  return changed ? lines.join('\n') : text;
}
