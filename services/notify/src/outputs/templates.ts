import type { Finding, Severity } from '#shared/contracts';
import { repeats, type Notification } from '../notification.js';
import { customBody } from './custom-body.js';

// The bodies of the webhook output's ready templates, one notification (a finding, or a group) a request, each in the format its
// receiver documents: Slack's and Mattermost's incoming webhooks ({"text"}), Microsoft Teams' Workflows
// webhook (a message with an Adaptive Card), PagerDuty's Events API v2 (trigger, with the notification's id
// as its dedup_key), Falco's JSON output (what falcosidekick takes), or the finding itself (`json`). A
// group's body is its first finding's, with the count and the first and last times.

export type Template = 'slack' | 'mattermost' | 'teams' | 'pagerduty' | 'falco' | 'json' | 'custom';

const who = (f: Finding) => `${f.user} on ${f.cluster}${f.namespace === null ? '' : `/${f.namespace}`}`;
const line = (n: Notification) => {
  const f = n.finding;
  return `[${f.severity.toUpperCase()}] ${f.title} (${f.ruleId}): ${f.summary} — ${who(f)}, ${f.eventTime}${repeats(n)}`;
};

const pagerdutySeverity: Record<Severity, string> = { critical: 'critical', high: 'error', medium: 'warning', low: 'info', info: 'info' };
const falcoPriority: Record<Severity, string> = { critical: 'Critical', high: 'Error', medium: 'Warning', low: 'Notice', info: 'Informational' };

export function bodyOf(template: Template, n: Notification, { link, routingKey, body }: { link: string | undefined; routingKey?: string | undefined; body?: unknown }): unknown {
  const f = n.finding;
  const group = n.grouped ? { id: n.id, count: n.count, first: n.first, last: n.last, findingIds: n.findingIds } : undefined;
  const withLink = (text: string, md: (text: string, url: string) => string) => (link === undefined ? text : `${text} ${md('finding', link)}`);
  switch (template) {
    case 'slack':
      return { text: withLink(line(n), (t, u) => `<${u}|${t}>`) };
    case 'mattermost':
      return { text: withLink(line(n), (t, u) => `[${t}](${u})`), username: 'kaudit' };
    case 'teams':
      return {
        type: 'message',
        attachments: [
          {
            contentType: 'application/vnd.microsoft.card.adaptive',
            content: {
              type: 'AdaptiveCard',
              $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
              version: '1.4',
              body: [
                { type: 'TextBlock', size: 'Medium', weight: 'Bolder', wrap: true, text: `[${f.severity.toUpperCase()}] ${f.title}` },
                { type: 'TextBlock', wrap: true, text: f.summary },
                {
                  type: 'FactSet',
                  facts: [
                    { title: 'Rule', value: f.ruleId },
                    { title: 'Who', value: who(f) },
                    n.count > 1 ? { title: 'When', value: `${String(n.count)} times, ${n.first} to ${n.last}` } : { title: 'When', value: f.eventTime },
                  ],
                },
              ],
              ...(link === undefined ? {} : { actions: [{ type: 'Action.OpenUrl', title: 'Open the finding', url: link }] }),
            },
          },
        ],
      };
    case 'pagerduty':
      return {
        routing_key: routingKey,
        event_action: 'trigger',
        dedup_key: n.id,
        payload: { summary: `${f.title}: ${f.summary}${repeats(n)}`.slice(0, 1024), source: f.cluster, severity: pagerdutySeverity[f.severity], timestamp: n.last, component: f.namespace ?? undefined, group: f.category, class: f.ruleId, custom_details: { user: f.user, verb: f.verb, resource: f.resource, name: f.name, sourceIps: f.sourceIps, auditId: f.auditId, ...(group === undefined ? {} : { group }) } },
        ...(link === undefined ? {} : { links: [{ href: link, text: 'kaudit finding' }] }),
      };
    case 'falco':
      return {
        time: f.eventTime,
        rule: f.title,
        priority: falcoPriority[f.severity],
        source: 'k8s_audit',
        output: `${f.eventTime}: ${falcoPriority[f.severity]} ${f.summary} (user=${f.user} verb=${f.verb} resource=${f.resource ?? ''} ns=${f.namespace ?? ''} name=${f.name ?? ''})${repeats(n)}`,
        output_fields: { 'ka.user.name': f.user, 'ka.verb': f.verb, 'ka.target.resource': f.resource, 'ka.target.namespace': f.namespace, 'ka.target.name': f.name, 'ka.auditid': f.auditId, 'kaudit.rule': f.ruleId, 'kaudit.cluster': f.cluster, 'kaudit.finding': f.id, ...(group === undefined ? {} : { 'kaudit.group': n.id, 'kaudit.count': n.count, 'kaudit.first': n.first, 'kaudit.last': n.last }) },
        tags: ['k8s', 'kaudit', f.category, ...f.mitre],
        hostname: f.cluster,
      };
    case 'custom':
      return customBody(body, n, link);
    case 'json':
      return { ...f, ...(link === undefined ? {} : { link }), ...(group === undefined ? {} : { group }) };
  }
}
