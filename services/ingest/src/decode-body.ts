import { gunzipSync } from 'node:zlib';
import { errorMessage } from '#shared/errors';

// Turns the raw request body into JSON, or says precisely why it cannot.
export type Decoded = { ok: true; value: unknown } | { ok: false; status: 400 | 413 | 415; message: string };

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function decodeBody(raw: Buffer, contentEncoding: string | undefined, limit: number): Decoded {
  let bytes = raw;
  const encoding = (contentEncoding ?? 'identity').trim().toLowerCase();
  if (encoding === 'gzip' || encoding === 'x-gzip') {
    try {
      bytes = gunzipSync(raw, { maxOutputLength: limit });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ERR_BUFFER_TOO_LARGE') {
        return { ok: false, status: 413, message: `decompressed body exceeds the limit of ${String(limit)} bytes` };
      }
      return { ok: false, status: 400, message: 'body is not valid gzip' };
    }
  } else if (encoding !== 'identity') {
    return { ok: false, status: 415, message: `unsupported Content-Encoding "${encoding}" (use gzip or none)` };
  }
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return { ok: false, status: 400, message: 'body is not valid UTF-8' };
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (err) {
    return { ok: false, status: 400, message: `body is not JSON: ${errorMessage(err)}` };
  }
}
