import { z } from 'zod';

// The console's triage actions, one message each on the `triage` topic (never deleted): the action log,
// and the source from which the store restores each finding's latest state.

export const triageStates = ['new', 'acknowledged', 'resolved', 'false-positive'] as const;
export type TriageState = (typeof triageStates)[number];
export const triageKinds = ['state', 'suppression-proposed'] as const;

export const triageActionSchema = z.object({
  id: z.string().min(1).max(64).describe('unique id of the action'),
  at: z.string().describe('when it was made (RFC 3339)'),
  actor: z.string().describe('the API token name that made it'),
  kind: z.enum(triageKinds).describe('state: a triage state set; suppression-proposed: a tuning exception drafted for an admin to review'),
  findingIds: z.array(z.string().min(1).max(512)).min(1).max(1000).describe('the findings it applies to (an incident’s findings)'),
  incidentId: z.string().max(512).nullable().describe('the incident it was made on, if any'),
  state: z.enum(triageStates).nullable().describe('the state set (kind state)'),
  comment: z.string().max(4000),
  draft: z.string().max(16_000).nullable().describe('the proposed rules-file snippet (kind suppression-proposed)'),
});
export type TriageAction = z.infer<typeof triageActionSchema>;
