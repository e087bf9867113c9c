import { isGoInt64, isValidLabelSelector } from './label-selector.js';
import { queryUnescape } from './percent-decode.js';

// The ListOptions parameters of a request (resolve.ts): list or watch, and the name a field selector pins.
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
export function listVerbAndName(rawQuery: string): { watch: boolean; name: string | undefined } {
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
