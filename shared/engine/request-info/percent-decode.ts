// Go net/url's percent-decoding as kube-apiserver's RequestInfo resolver meets it (resolve.ts).
export const SLASH = 0x2f;
export const PERCENT = 0x25;
export const QUESTION = 0x3f;
export const PLUS = 0x2b;
// ---------------------------------------------------------------------------------------------------------------
// URL parsing helpers (Go net/url semantics)

/**
 * Path of an absolute-form request target (`scheme:rest`), as url.ParseRequestURI would give it: '' for an opaque
 * URI, the part after the authority for `scheme://authority/path`. undefined when Go rejects the target (no scheme,
 * or an empty scheme). The authority itself is not validated.
 */
export function stripSchemeAndAuthority(beforeQuery: string): string | undefined {
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
export function percentDecode(s: string, plusIsSpace: boolean): string | undefined {
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

export function queryUnescape(s: string): string | undefined {
  // Fast path: nothing to decode.
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === PERCENT || c === PLUS) return percentDecode(s, true);
  }
  return s;
}
