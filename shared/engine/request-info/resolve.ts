// Re-derives the Kubernetes request attributes (verb, group, version, namespace, resource, subresource, name) from
// an audit event's requestURI and HTTP method, the way kube-apiserver's RequestInfo resolver does
// (k8s.io/apiserver/pkg/endpoints/request/requestinfo.go, RequestInfoFactory.NewRequestInfo) with APIPrefixes
// {api, apis} and GrouplessAPIPrefixes {api}. Our own implementation of that documented behaviour, including the
// parts of Go's net/url and apimachinery it depends on:
//  - the URI is parsed like Go's url.ParseRequestURI: split at the first '?', no fragment handling, the path is
//    percent-decoded as a whole (so %2F splits segments), control characters or a bad escape make it unparseable;
//  - list/watch and the fieldSelector name come from the query parsed like url.ParseQuery (pairs with ';' or bad
//    escapes are dropped, '+' is a space, first value wins) and decoded like metainternalversion.ListOptions: an
//    invalid fieldSelector, labelSelector, limit or timeoutSeconds makes the whole decode fail, which keeps the verb
//    (watch is still honoured) but drops the metadata.name from the fieldSelector.
// Pure and allocation-light: no regex and no URL object on the hot path. It never throws.

export interface RequestInfo {
  isResourceRequest: boolean;
  /** URL path, percent-decoded, without query string. */
  path: string;
  /**
   * get|list|watch|create|update|patch|delete|deletecollection, or proxy|watch from the deprecated path prefixes,
   * '' for a resource request with another HTTP method; the lowercase HTTP method for non-resource requests.
   */
  verb: string;
  /**
   * 'api' | 'apis' for resource requests, '' for most non-resource requests. Like kube-apiserver, the prefix is
   * kept for the discovery paths /apis/<group>/<version> and /apis/<group>/<version>/ (non-resource, prefix 'apis').
   */
  apiPrefix: string;
  apiGroup: string;
  apiVersion: string;
  namespace: string;
  resource: string;
  subresource: string;
  name: string;
  /** Path parts from the resource on: resource/name/subresource/anything-else (empty for non-resource). */
  parts: string[];
}

const SLASH = 0x2f;
const PERCENT = 0x25;
const QUESTION = 0x3f;
const PLUS = 0x2b;

// ---------------------------------------------------------------------------------------------------------------
// Resolver

/**
 * Attributes of a request as kube-apiserver derives them. `method` is the HTTP method, compared case-sensitively as
 * Go's net/http does ('GET', not 'get'). A URI that Go's url.ParseRequestURI rejects (empty, control characters,
 * malformed %-escape, no leading '/') gives a non-resource request whose path is the raw string before '?'.
 *
 * Short special-verb paths such as /api/v1/watch or /apis/g/v/proxy (nothing after the prefix) make
 * kube-apiserver fail the request with 500 before authorization and auditing; for them this returns what the
 * resolver knew at that point: a resource request with prefix, group and version, the lowercase HTTP method as
 * verb and no resource.
 */
export function resolveRequestInfo(requestURI: string, method: string): RequestInfo {
  const lowerMethod = lowerMethodOf(method);
  const n = requestURI.length;
  let q = -1;
  let pathHasPercent = false;
  for (let i = 0; i < n; i++) {
    const c = requestURI.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return unparseable(requestURI, lowerMethod);
    if (c === QUESTION) {
      if (q < 0) q = i;
    } else if (c === PERCENT && q < 0) {
      pathHasPercent = true;
    }
  }
  let path = q < 0 ? requestURI : requestURI.slice(0, q);
  const rawQuery = q < 0 ? '' : requestURI.slice(q + 1);

  if (path.charCodeAt(0) !== SLASH) {
    // Not origin-form: '*' (OPTIONS *), absolute-form (scheme://authority/path), or rejected.
    if (requestURI === '*') return nonResource('*', lowerMethod);
    const stripped = stripSchemeAndAuthority(path);
    if (stripped === undefined) return unparseable(requestURI, lowerMethod);
    path = stripped;
    pathHasPercent = path.includes('%');
  }
  if (pathHasPercent) {
    const decoded = percentDecode(path, false);
    if (decoded === undefined) return unparseable(requestURI, lowerMethod);
    path = decoded;
  }

  // splitPath: trim every leading and trailing '/', split on '/', keep empty inner segments.
  let start = 0;
  let end = path.length;
  while (start < end && path.charCodeAt(start) === SLASH) start++;
  while (end > start && path.charCodeAt(end - 1) === SLASH) end--;
  if (end - start === 0) return nonResource(path, lowerMethod);
  const all = (start === 0 && end === path.length ? path : path.slice(start, end)).split('/');
  const count = all.length;
  if (count < 3) return nonResource(path, lowerMethod);

  const apiPrefix = all[0] ?? '';
  if (apiPrefix !== 'api' && apiPrefix !== 'apis') return nonResource(path, lowerMethod);
  let k = 1;
  let apiGroup = '';
  if (apiPrefix !== 'api') {
    // /apis/<group>/<version>/<resource>...: four parts at least, else discovery (non-resource, prefix kept).
    if (count - k < 3) {
      const info = nonResource(path, lowerMethod);
      info.apiPrefix = apiPrefix;
      return info;
    }
    apiGroup = all[k] ?? '';
    k++;
  }
  const apiVersion = all[k] ?? '';
  k++;

  let verb: string;
  let viaProxyPrefix = false;
  const first = all[k] ?? '';
  if (first === 'watch' || first === 'proxy') {
    if (count - k < 2) {
      // kube-apiserver: "unable to determine kind and namespace from url" (the request fails with 500).
      return {
        isResourceRequest: true,
        path,
        verb: lowerMethod,
        apiPrefix,
        apiGroup,
        apiVersion,
        namespace: '',
        resource: '',
        subresource: '',
        name: '',
        parts: [],
      };
    }
    verb = first;
    viaProxyPrefix = first === 'proxy';
    k++;
  } else {
    verb = kubeVerbOf(method);
  }

  let namespace = '';
  if (all[k] === 'namespaces' && count - k > 1) {
    namespace = all[k + 1] ?? '';
    // /namespaces/<ns>/<resource>... moves on to the resource, unless the third part is a namespace subresource.
    if (count - k > 2) {
      const third = all[k + 2];
      if (third !== 'status' && third !== 'finalize') k += 2;
    }
  }

  const parts = all.slice(k);
  const partCount = parts.length;
  const resource = parts[0] ?? '';
  let name = partCount >= 2 ? (parts[1] ?? '') : '';
  // The proxy prefix takes no subresource: everything after the name is the proxied path.
  const subresource = partCount >= 3 && !viaProxyPrefix ? (parts[2] ?? '') : '';

  if (name === '' && verb === 'get') {
    const list = listVerbAndName(rawQuery);
    verb = list.watch ? 'watch' : 'list';
    if (list.name !== undefined) name = list.name;
  }
  if (name === '' && verb === 'delete') verb = 'deletecollection';

  return {
    isResourceRequest: true,
    path,
    verb,
    apiPrefix,
    apiGroup,
    apiVersion,
    namespace,
    resource,
    subresource,
    name,
    parts,
  };
}

function nonResource(path: string, lowerMethod: string): RequestInfo {
  return {
    isResourceRequest: false,
    path,
    verb: lowerMethod,
    apiPrefix: '',
    apiGroup: '',
    apiVersion: '',
    namespace: '',
    resource: '',
    subresource: '',
    name: '',
    parts: [],
  };
}

function unparseable(requestURI: string, lowerMethod: string): RequestInfo {
  const q = requestURI.indexOf('?');
  return nonResource(q < 0 ? requestURI : requestURI.slice(0, q), lowerMethod);
}

function lowerMethodOf(method: string): string {
  switch (method) {
    case 'GET':
      return 'get';
    case 'POST':
      return 'post';
    case 'PUT':
      return 'put';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return 'delete';
    case 'HEAD':
      return 'head';
    default:
      return method.toLowerCase();
  }
}

function kubeVerbOf(method: string): string {
  switch (method) {
    case 'POST':
      return 'create';
    case 'GET':
    case 'HEAD':
      return 'get';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return 'delete';
    default:
      return '';
  }
}

// ---------------------------------------------------------------------------------------------------------------
// HTTP method of a recorded audit verb

const HTTP_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'CONNECT', 'TRACE']);

/**
 * The HTTP method behind an audit event's recorded verb: get|list|watch → GET, create → POST, update → PUT,
 * patch → PATCH, delete|deletecollection → DELETE; a non-resource verb (a lowercase HTTP method such as 'post',
 * 'put', 'head') → its uppercase form; anything else (proxy, '', unknown) → GET.
 */
export function httpMethodOf(recordedVerb: string | undefined): string {
  switch (recordedVerb) {
    case undefined:
    case 'get':
    case 'list':
    case 'watch':
      return 'GET';
    case 'create':
      return 'POST';
    case 'update':
      return 'PUT';
    case 'patch':
      return 'PATCH';
    case 'delete':
    case 'deletecollection':
      return 'DELETE';
    default: {
      const upper = recordedVerb.toUpperCase();
      return HTTP_METHODS.has(upper) ? upper : 'GET';
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// URL parsing helpers (Go net/url semantics)

/**
 * Path of an absolute-form request target (`scheme:rest`), as url.ParseRequestURI would give it: '' for an opaque
 * URI, the part after the authority for `scheme://authority/path`. undefined when Go rejects the target (no scheme,
 * or an empty scheme). The authority itself is not validated.
 */
function stripSchemeAndAuthority(beforeQuery: string): string | undefined {
  let i = 0;
  for (; i < beforeQuery.length; i++) {
    const c = beforeQuery.charCodeAt(i);
    const letter = (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a);
    if (letter) continue;
    const schemeChar = (c >= 0x30 && c <= 0x39) || c === PLUS || c === 0x2d || c === 0x2e;
    if (schemeChar && i > 0) continue;
    if (c === 0x3a && i > 0) break;
    return undefined;
  }
  if (i >= beforeQuery.length) return undefined;
  const rest = beforeQuery.slice(i + 1);
  if (rest.charCodeAt(0) !== SLASH) return '';
  if (rest.charCodeAt(1) !== SLASH) return rest;
  const slash = rest.indexOf('/', 2);
  return slash < 0 ? '' : rest.slice(slash);
}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
}

function hexValue(c: number): number {
  if (c <= 0x39) return c - 0x30;
  if (c <= 0x46) return c - 0x41 + 10;
  return c - 0x61 + 10;
}

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: false });

/**
 * Go's url.unescape in path mode (plusIsSpace false) or query-component mode (plusIsSpace true): every '%' must
 * start a two-hex-digit escape, else undefined. Decoded bytes that are not valid UTF-8 become U+FFFD (Go keeps the
 * raw bytes in its string; JavaScript strings cannot).
 */
function percentDecode(s: string, plusIsSpace: boolean): string | undefined {
  let hasPercent = false;
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) !== PERCENT) continue;
    if (i + 2 >= s.length || !isHex(s.charCodeAt(i + 1)) || !isHex(s.charCodeAt(i + 2))) return undefined;
    hasPercent = true;
    i += 2;
  }
  const spaced = plusIsSpace && s.includes('+') ? s.replaceAll('+', ' ') : s;
  if (!hasPercent) return spaced;
  try {
    return decodeURIComponent(spaced);
  } catch {
    // Escapes that do not form valid UTF-8: decode at the byte level.
    const bytes = utf8Encoder.encode(spaced);
    const out = new Uint8Array(bytes.length);
    let j = 0;
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i] ?? 0;
      if (b === PERCENT) {
        out[j++] = hexValue(bytes[i + 1] ?? 0) * 16 + hexValue(bytes[i + 2] ?? 0);
        i += 2;
      } else {
        out[j++] = b;
      }
    }
    return utf8Decoder.decode(out.subarray(0, j));
  }
}

function queryUnescape(s: string): string | undefined {
  // Fast path: nothing to decode.
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === PERCENT || c === PLUS) return percentDecode(s, true);
  }
  return s;
}

// ---------------------------------------------------------------------------------------------------------------
// list / watch and the metadata.name field selector

interface ListParams {
  watch: string | undefined;
  fieldSelector: string | undefined;
  labelSelector: string | undefined;
  limit: string | undefined;
  timeoutSeconds: string | undefined;
}

/** First values of the ListOptions parameters that matter here, parsed like Go's url.ParseQuery. */
function listParams(rawQuery: string): ListParams {
  const p: ListParams = { watch: undefined, fieldSelector: undefined, labelSelector: undefined, limit: undefined, timeoutSeconds: undefined };
  let pos = 0;
  const n = rawQuery.length;
  while (pos < n) {
    let amp = rawQuery.indexOf('&', pos);
    if (amp < 0) amp = n;
    const pair = rawQuery.slice(pos, amp);
    pos = amp + 1;
    if (pair === '' || pair.includes(';')) continue; // Go drops ';' pairs ("invalid semicolon separator")
    const eq = pair.indexOf('=');
    const key = queryUnescape(eq < 0 ? pair : pair.slice(0, eq));
    if (key === undefined) continue;
    if (key !== 'watch' && key !== 'fieldSelector' && key !== 'labelSelector' && key !== 'limit' && key !== 'timeoutSeconds') continue;
    if (p[key] !== undefined) continue;
    const value = queryUnescape(eq < 0 ? '' : pair.slice(eq + 1));
    if (value === undefined) continue; // the whole pair is dropped, a later one may be the first value
    p[key] = value;
  }
  return p;
}

/** list or watch, and the name a `fieldSelector=metadata.name=<n>` pins the request to. */
function listVerbAndName(rawQuery: string): { watch: boolean; name: string | undefined } {
  if (rawQuery === '') return { watch: false, name: undefined };
  const p = listParams(rawQuery);
  const fieldName = p.fieldSelector === undefined ? undefined : exactFieldName(p.fieldSelector);
  let decodes: boolean | undefined;
  const decodeOk = (): boolean => {
    decodes ??=
      fieldName !== null &&
      (p.labelSelector === undefined || isValidLabelSelector(p.labelSelector)) &&
      (p.limit === undefined || isGoInt64(p.limit)) &&
      (p.timeoutSeconds === undefined || isGoInt64(p.timeoutSeconds));
    return decodes;
  };

  let watch = false;
  const w = p.watch;
  if (w !== undefined) {
    // A successful decode reads the bool with strings.EqualFold (so "falſe" is false); the fallback after a
    // failed decode lowercases. Only U+017F can tell them apart.
    const isFalse = w === '0' || (w.includes('\u017f') && decodeOk() ? equalFoldFalse(w) : asciiLower(w) === 'false');
    watch = !isFalse;
  }

  let name: string | undefined;
  if (typeof fieldName === 'string' && isValidPathSegmentName(fieldName) && decodeOk()) name = fieldName;
  return { watch, name };
}

function asciiLower(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) return s.toLowerCase();
  }
  return s;
}

/** strings.EqualFold(s, "false") — the only non-ASCII simple fold of f, a, l, s, e is ſ (U+017F) for s. */
function equalFoldFalse(s: string): boolean {
  if (s.length !== 5) return false;
  const l = s.toLowerCase();
  return l[0] === 'f' && l[1] === 'a' && l[2] === 'l' && (l[3] === 's' || l[3] === '\u017f') && l[4] === 'e';
}

/** path.IsValidPathSegmentName: not '.' or '..', no '/' or '%'. */
function isValidPathSegmentName(name: string): boolean {
  return name !== '.' && name !== '..' && !name.includes('/') && !name.includes('%');
}

/** strconv.ParseInt(s, 10, 64) succeeds. */
function isGoInt64(s: string): boolean {
  let i = 0;
  let negative = false;
  if (s.startsWith('+') || s.startsWith('-')) {
    negative = s.startsWith('-');
    i = 1;
  }
  if (i >= s.length) return false;
  for (let j = i; j < s.length; j++) {
    const c = s.charCodeAt(j);
    if (c < 0x30 || c > 0x39) return false;
  }
  let digits = s.slice(i);
  while (digits.length > 1 && digits.startsWith('0')) digits = digits.slice(1);
  const limit = negative ? '9223372036854775808' : '9223372036854775807';
  return digits.length < limit.length || (digits.length === limit.length && digits <= limit);
}

// Field selectors (k8s.io/apimachinery/pkg/fields): comma-separated terms, '\' escapes ',', '=' and '\' in values,
// operators '!=', '==', '='; terms are sorted before use, so the smallest metadata.name term wins.

/** The value of the first (sorted) `metadata.name=` / `metadata.name==` term; undefined if none; null if invalid. */
function exactFieldName(selector: string): string | undefined | null {
  if (selector === '') return undefined;
  const terms: string[] = [];
  let from = 0;
  let inSlash = false;
  for (let i = 0; i < selector.length; i++) {
    const c = selector.charCodeAt(i);
    if (inSlash) inSlash = false;
    else if (c === 0x5c) inSlash = true;
    else if (c === 0x2c) {
      terms.push(selector.slice(from, i));
      from = i + 1;
    }
  }
  terms.push(selector.slice(from));
  if (terms.length > 1) terms.sort(compareCodePoints);

  let found: string | undefined;
  for (const term of terms) {
    if (term === '') continue;
    let opAt = -1;
    let opLen = 0;
    for (let i = 0; i < term.length; i++) {
      const c = term.charCodeAt(i);
      const next = term.charCodeAt(i + 1);
      if ((c === 0x21 || c === 0x3d) && next === 0x3d) {
        opAt = i;
        opLen = 2;
        break;
      }
      if (c === 0x3d) {
        opAt = i;
        opLen = 1;
        break;
      }
    }
    if (opAt < 0) return null;
    const value = unescapeFieldValue(term.slice(opAt + opLen));
    if (value === undefined) return null;
    const negated = term.charCodeAt(opAt) === 0x21;
    if (!negated && found === undefined && term.slice(0, opAt) === 'metadata.name') found = value;
  }
  return found;
}

function unescapeFieldValue(s: string): string | undefined {
  if (!s.includes('\\') && !s.includes(',') && !s.includes('=')) return s;
  let out = '';
  let inSlash = false;
  for (const ch of s) {
    if (inSlash) {
      if (ch !== '\\' && ch !== ',' && ch !== '=') return undefined;
      out += ch;
      inSlash = false;
    } else if (ch === '\\') {
      inSlash = true;
    } else if (ch === ',' || ch === '=') {
      return undefined;
    } else {
      out += ch;
    }
  }
  return inSlash ? undefined : out;
}

/** Go compares strings bytewise (UTF-8), which is code-point order; UTF-16 order differs above U+D7FF. */
function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

function codePointRank(unit: number): number {
  if (unit >= 0xd800 && unit <= 0xdfff) return unit + 0x2000;
  if (unit >= 0xe000) return unit - 0x800;
  return unit;
}

// Label selectors (k8s.io/apimachinery/pkg/labels): only their validity matters here, since an invalid
// labelSelector fails the ListOptions decode. Same lexer (byte-wise, NUL ends the input) and recursive descent.

const T_ERROR = 0;
const T_EOS = 1;
const T_CLOSE = 2;
const T_COMMA = 3;
const T_NOT = 4;
const T_DEQ = 5;
const T_EQ = 6;
const T_GT = 7;
const T_ID = 8;
const T_IN = 9;
const T_LT = 10;
const T_NEQ = 11;
const T_NOTIN = 12;
const T_OPEN = 13;

const SYMBOL_TOKENS = new Map<string, number>([
  [')', T_CLOSE],
  [',', T_COMMA],
  ['!', T_NOT],
  ['==', T_DEQ],
  ['=', T_EQ],
  ['>', T_GT],
  ['<', T_LT],
  ['!=', T_NEQ],
  ['(', T_OPEN],
]);

function isSpecial(c: number): boolean {
  return c === 0x3d || c === 0x21 || c === 0x28 || c === 0x29 || c === 0x2c || c === 0x3e || c === 0x3c;
}

function isBlank(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;
}

interface Token {
  tok: number;
  lit: string;
}

function lexLabelSelector(s: string): Token[] {
  const out: Token[] = [];
  let pos = 0;
  const read = (): number => (pos < s.length ? s.charCodeAt(pos++) : 0);
  for (;;) {
    let c = read();
    while (isBlank(c)) c = read();
    if (c === 0) {
      out.push({ tok: T_EOS, lit: '' });
      return out;
    }
    pos--;
    if (isSpecial(c)) {
      let buffer = '';
      let last: Token | undefined;
      for (;;) {
        const ch = read();
        if (ch === 0) break;
        if (!isSpecial(ch)) {
          pos--;
          break;
        }
        buffer += String.fromCharCode(ch);
        const tok = SYMBOL_TOKENS.get(buffer);
        if (tok !== undefined) last = { tok, lit: buffer };
        else if (last !== undefined) {
          pos--;
          break;
        }
      }
      out.push(last ?? { tok: T_ERROR, lit: buffer });
    } else {
      // Identifier or keyword: up to a special symbol or blank (left for the next token), or NUL (consumed).
      const from = pos;
      let to = pos;
      while (pos < s.length) {
        const ch = s.charCodeAt(pos);
        if (isSpecial(ch) || isBlank(ch)) break;
        pos++;
        if (ch === 0) break;
        to = pos;
      }
      const lit = s.slice(from, to);
      out.push({ tok: lit === 'in' ? T_IN : lit === 'notin' ? T_NOTIN : T_ID, lit });
    }
  }
}

const OP_EXISTS = 1;
const OP_NOT_EXISTS = 2;
const OP_IN = 3;
const OP_EXACT = 4;
const OP_ORDER = 5; // > and <

/** labels.Parse(selector) returns no error. */
function isValidLabelSelector(selector: string): boolean {
  const items = lexLabelSelector(selector);
  let position = 0;
  const at = (i: number): Token => items[Math.min(i, items.length - 1)] ?? { tok: T_EOS, lit: '' };
  // In the Values context, 'in' and 'notin' are plain identifiers.
  const asValue = (t: number): number => (t === T_IN || t === T_NOTIN ? T_ID : t);
  const lookahead = (): Token => {
    const t = at(position);
    return { tok: asValue(t.tok), lit: t.lit };
  };
  const consume = (values: boolean): Token => {
    const t = at(position++);
    return values ? { tok: asValue(t.tok), lit: t.lit } : t;
  };

  const requirement = (): boolean => {
    let op = 0;
    let t = consume(true);
    if (t.tok === T_NOT) {
      op = OP_NOT_EXISTS;
      t = consume(true);
    }
    if (t.tok !== T_ID || !isQualifiedName(t.lit)) return false;
    const next = lookahead().tok;
    if ((next === T_EOS || next === T_COMMA) && op !== OP_NOT_EXISTS) op = OP_EXISTS;
    if (op === OP_EXISTS || op === OP_NOT_EXISTS) return true;

    const o = consume(false).tok;
    if (o === T_IN || o === T_NOTIN) op = OP_IN;
    else if (o === T_EQ || o === T_DEQ || o === T_NEQ) op = OP_EXACT;
    else if (o === T_GT || o === T_LT) op = OP_ORDER;
    else return false;

    const values: string[] = [];
    if (op === OP_IN) {
      if (consume(true).tok !== T_OPEN) return false;
      const first = lookahead().tok;
      if (first === T_CLOSE) {
        consume(true);
        values.push('');
      } else if (first === T_ID || first === T_COMMA) {
        let done = false;
        while (!done) {
          const v = consume(true);
          if (v.tok === T_ID) {
            values.push(v.lit);
            const after = lookahead().tok;
            if (after === T_CLOSE) done = true;
            else if (after !== T_COMMA) return false;
          } else if (v.tok === T_COMMA) {
            if (values.length === 0) values.push('');
            const after = lookahead().tok;
            if (after === T_CLOSE) {
              values.push('');
              done = true;
            } else if (after === T_COMMA) {
              consume(true);
              values.push('');
            }
          } else {
            return false;
          }
        }
        if (consume(true).tok !== T_CLOSE) return false;
      } else {
        return false;
      }
    } else {
      const v = lookahead().tok;
      if (v === T_EOS || v === T_COMMA) values.push('');
      else {
        const t2 = consume(true);
        if (t2.tok !== T_ID) return false;
        values.push(t2.lit);
      }
    }
    for (const v of values) {
      if (!isValidLabelValue(v)) return false;
      if (op === OP_ORDER && !isGoInt64(v)) return false;
    }
    return true;
  };

  for (;;) {
    const t = lookahead().tok;
    if (t === T_EOS) return true;
    if (t !== T_ID && t !== T_NOT) return false;
    if (!requirement()) return false;
    const sep = consume(true).tok;
    if (sep === T_EOS) return true;
    if (sep !== T_COMMA) return false;
    const after = lookahead().tok;
    if (after !== T_ID && after !== T_NOT) return false;
  }
}

// k8s.io/apimachinery/pkg/util/validation
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function isQualifiedName(value: string): boolean {
  const slash = value.indexOf('/');
  let name = value;
  if (slash >= 0) {
    if (value.includes('/', slash + 1)) return false;
    const prefix = value.slice(0, slash);
    if (prefix === '' || prefix.length > 253 || !DNS1123_SUBDOMAIN.test(prefix)) return false;
    name = value.slice(slash + 1);
  }
  return name !== '' && name.length <= 63 && QUALIFIED_NAME.test(name);
}

function isValidLabelValue(value: string): boolean {
  return value.length <= 63 && LABEL_VALUE.test(value);
}
