import { auditTime } from '#shared/contracts';

// Opaque keyset cursor: the sort key of the last row served (event time, then a unique tiebreaker).
export interface Cursor {
  time: string;
  key: string;
}

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify([c.time, c.key])).toString('base64url');
}

export function decodeCursor(s: string): Cursor | undefined {
  try {
    const v = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as unknown;
    // strictly a time the store holds: a tampered cursor is a bad parameter, never a failed query
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'string' && v[1].length <= 4096 && auditTime(v[0]) !== undefined) {
      return { time: v[0], key: v[1] };
    }
  } catch {
    // fall through
  }
  return undefined;
}
