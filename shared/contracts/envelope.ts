import { z } from 'zod';
import { auditEventSchema } from './audit-event.js';

// What ingest writes to the `events` topic: the event exactly as received plus how it arrived.
export const envelopeSchema = z.object({
  cluster: z.string().min(1),
  receivedAt: z.iso.datetime({ offset: true }),
  transport: z.object({
    tls: z.boolean(),
    clientCertSubject: z.string().optional(),
  }),
  event: auditEventSchema,
});
export type Envelope = z.infer<typeof envelopeSchema>;
