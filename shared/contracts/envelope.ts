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
  /**
   * Set on the copies ingest writes beside an event (shared/engine/shared-state.ts): `state`, a copy on every
   * partition of an event that changes what every partition must know (an RBAC object, a CSR's requester, …);
   * `pace`, a copy on the cluster's own partition of the earliest event of one minute of a batch, standing for
   * the batch's `events` events of that minute, the latest at `last` (for the rules about the whole log).
   */
  copy: z
    .union([z.object({ of: z.literal('state') }), z.object({ of: z.literal('pace'), events: z.number().int().min(1), last: rfc3339Time })])
    .optional(),
});
export type Envelope = z.infer<typeof envelopeSchema>;
/** `envelopeSchema.safeParse`, without copying valid envelopes (see fastParser). */
export const envelopeParser = fastParser(envelopeSchema, (e) => identifiedEvent(e.event));
