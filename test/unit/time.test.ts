// One RFC 3339 check for every interface that takes a time: the query API's parameters, replay's and
// export's --since/--until (CLI and library), and the contracts' time fields.
import { describe, expect, it } from 'vitest';
import { envelopeSchema, parseRfc3339, rfc3339Time } from '#shared/contracts';
import { exportTime } from '#shared/storage';
import { rfc3339 as apiTime } from '../../services/store/src/routes/params.js';

const accepted = ['2026-11-01T00:00:00Z', '2026-11-01T00:00:00.123456789Z', '2026-11-01T01:00:00+01:00', '2024-02-29T23:59:59.5-05:30'];
const refused = ['yesterday', '2026-11-01', '2026-11-01T00:00:00', '2026-02-30T00:00:00Z', '2026-11-01 00:00:00Z', '1', ''];

describe('RFC 3339 times', () => {
  it('accepts times with a zone, to the nanosecond, and names the same instant', () => {
    for (const t of accepted) {
      expect(parseRfc3339(t)?.getTime(), t).toBe(Date.parse(t));
      expect(exportTime('--since', t)).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$/);
      expect(apiTime.safeParse(t).success).toBe(true);
    }
  });
  it('refuses anything else in every interface, naming the option', () => {
    for (const t of refused) {
      expect(parseRfc3339(t), t).toBeUndefined();
      expect(() => exportTime('--until', t)).toThrow(/--until must be an RFC 3339 time/);
      expect(apiTime.safeParse(t).success).toBe(false);
      expect(rfc3339Time.safeParse(t).success).toBe(false);
    }
  });
  it('the envelope refuses a receivedAt that is not one, with the message of the check', () => {
    const r = envelopeSchema.safeParse({ cluster: 'c', receivedAt: '2026-11-01', transport: { tls: true }, event: { auditID: 'a' } });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.message).toBe('must be an RFC 3339 timestamp');
  });
});
