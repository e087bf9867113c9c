import type { Rule } from '../types.js';
import { auditEventsDeleted } from './audit-events-deleted.js';
import { auditIdAnomalous } from './audit-id-anomalous.js';
import { auditIdReused } from './audit-id-reused.js';
import { oversizedEvent } from './oversized-event.js';
import { auditSilence } from './audit-silence.js';

export const auditRules: Rule[] = [auditEventsDeleted, auditIdAnomalous, auditIdReused, oversizedEvent, auditSilence];
