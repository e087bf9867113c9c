import { z } from 'zod';
import { auditEventSchema, identifiedEvent } from './audit-event.js';
import { fastParser } from './fast-parse.js';
import { rfc3339Time } from './time.js';

// What ingest writes to the `events` topic: the event exactly as received plus how it arrived.
export const envelopeSchema = z.object({
  cluster: z.string().min(1),
  receivedAt: rfc3339Time,
  transport: z.object({
    tls: z.boolean(),
    clientCertSubject: z.string().optional(),
  }),
  event: auditEventSchema,
  /** eventDigestOfJson of the event, by ingest (absent in envelopes of earlier versions) */
  eventDigest: z.string().regex(/^[0-9a-f]{32}$/).optional(),
});
export type Envelope = z.infer<typeof envelopeSchema>;
/** `envelopeSchema.safeParse`, without copying valid envelopes (see fastParser). */
export const envelopeParser = fastParser(envelopeSchema, (e) => identifiedEvent(e.event));
