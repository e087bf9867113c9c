import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { triageActionSchema, triageKinds, triageStates, type TriageAction } from '#shared/contracts';
import { errorBodySchema } from '#shared/http';
import { findingById } from '../queries/finding-by-id.js';
import { defaultWindowSeconds, incidentById } from '../queries/incidents.js';
import { applyTriage, listTriageActions } from '../triage/actions.js';
import type { TriageLog } from '../triage/log.js';
import { draftSuppression, suppressionFields } from '../triage/suppression.js';
import { apiRoute, type RouteDeps } from './api-route.js';
import { cursor, limit, text } from './params.js';

// Triage: a state per finding (or for an incident's findings) with a comment, and "suppress like this";
// every change is an action in the log (GET /v1/triage/actions), on the triage topic before the answer.

const comment = z.string().max(4000).default('');
const maxIncidentFindings = 1000;

export function triageRoutes(app: FastifyInstance, { db, auth, log, now = Date.now }: RouteDeps & { log: TriageLog; now?: () => number }): void {
  const record = async (action: TriageAction) => {
    await log.append(action);
    await applyTriage(db, [action]);
    return action;
  };
  const made = (actor: string, rest: Pick<TriageAction, 'kind' | 'findingIds' | 'incidentId' | 'state' | 'comment' | 'draft'>): TriageAction => ({
    id: randomUUID(),
    at: new Date(now()).toISOString(),
    actor,
    ...rest,
  });

  apiRoute(app, auth, {
    method: 'POST',
    url: '/v1/triage',
    role: 'analyst',
    schema: {
      summary: 'Set the triage state of findings, or of an incident’s findings, with a comment',
      description: `Give findingIds, or incidentId (its latest ${String(maxIncidentFindings)} findings are set). The action is on the triage topic before the answer.`,
      tags: ['triage'],
      body: z
        .object({
          findingIds: z.array(z.string().min(1).max(512)).min(1).max(1000).optional(),
          incidentId: z.string().min(1).max(512).optional(),
          state: z.enum(triageStates),
          comment,
        })
        .refine((b) => (b.findingIds === undefined) !== (b.incidentId === undefined), { error: 'give findingIds or incidentId, not both' }),
      response: { 200: z.object({ action: triageActionSchema }), 404: errorBodySchema },
    },
    handler: async (request, reply) => {
      const { state, incidentId } = request.body;
      let findingIds = request.body.findingIds ?? [];
      if (incidentId !== undefined) {
        const incident = await incidentById(db, incidentId, defaultWindowSeconds, maxIncidentFindings);
        if (!incident) return reply.code(404).send({ error: 'not_found', message: 'no incident starts with this finding' });
        findingIds = incident.findings.map((f) => f.id);
      }
      const action = await record(made(request.caller?.name ?? '', { kind: 'state', findingIds, incidentId: incidentId ?? null, state, comment: request.body.comment, draft: null }));
      request.log.info({ caller: action.actor, action: action.id, state, findings: findingIds.length }, 'triage state set');
      return { action };
    },
  });

  apiRoute(app, auth, {
    method: 'POST',
    url: '/v1/findings/:id/suppression',
    role: 'analyst',
    schema: {
      summary: 'Suppress like this: draft a rules-file exception from a finding, for an admin to review',
      description: 'The draft is CEL over the normalized record on the fields given, checked to load as the analyzer loads its rules file, and recorded in the action log (kind suppression-proposed).',
      tags: ['triage'],
      params: z.object({ id: z.string().min(1).max(512) }),
      body: z.object({ fields: z.array(z.enum(suppressionFields)).min(1).max(suppressionFields.length), comment }),
      response: { 200: z.object({ action: triageActionSchema, condition: z.string(), yaml: z.string() }), 404: errorBodySchema },
    },
    handler: async (request, reply) => {
      const found = await findingById(db, request.params.id);
      if (!found) return reply.code(404).send({ error: 'not_found', message: 'no finding with this id' });
      const draft = draftSuppression(found.finding, [...new Set(request.body.fields)]);
      const action = await record(made(request.caller?.name ?? '', { kind: 'suppression-proposed', findingIds: [found.finding.id], incidentId: null, state: null, comment: request.body.comment, draft: draft.yaml }));
      return { action, ...draft };
    },
  });

  apiRoute(app, auth, {
    method: 'GET',
    url: '/v1/triage/actions',
    role: 'viewer',
    schema: {
      summary: 'The triage action log: who changed what, when, newest first',
      tags: ['triage'],
      querystring: z.object({ findingId: text.optional(), actor: text.optional(), kind: z.enum(triageKinds).optional(), limit, cursor }),
      response: { 200: z.object({ items: z.array(triageActionSchema), nextCursor: z.string().nullable() }) },
    },
    handler: async (request) => listTriageActions(db, request.query),
  });
}
