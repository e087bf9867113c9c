import { postJson, type Attempt } from '../deliver.js';
import type { Notification } from '../notification.js';
import type { NotifyOutput } from '../notify-file.js';

// Prometheus Alertmanager's v2 API: POST <url>/api/v2/alerts, an array of alerts. A finding is one alert,
// its labels including the finding's id: Alertmanager merges alerts of the same labels, so a delivery
// repeated (a retry, a redelivered batch) updates the alert instead of adding one — the id is the
// idempotency key. A group of findings is one alert labelled with the group's id (`group_id`), its count
// and first and last times as annotations. Alertmanager's own route (group_by rule, cluster, …) decides how
// alerts become notifications.

type AlertmanagerOutput = Extract<NotifyOutput, { type: 'alertmanager' }>;

export interface Alert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL?: string;
}

export function alertOf(n: Notification, output: AlertmanagerOutput, now: Date, link: string | undefined): Alert {
  const f = n.finding;
  return {
    labels: {
      alertname: 'KauditFinding',
      rule: f.ruleId,
      severity: f.severity,
      category: f.category,
      cluster: f.cluster,
      ...(f.namespace === null ? {} : { namespace: f.namespace }),
      user: f.user,
      ...(n.grouped ? { group_id: n.id } : { finding_id: n.id }),
    },
    annotations: {
      summary: f.summary,
      title: f.title,
      ...(link === undefined ? {} : { link }),
      ...(n.grouped ? { count: String(n.count), first: n.first, last: n.last } : {}),
    },
    startsAt: n.first,
    endsAt: new Date(now.getTime() + output.resolveAfterMinutes * 60_000).toISOString(),
    ...(link === undefined ? {} : { generatorURL: link }),
  };
}

export function postAlerts(output: AlertmanagerOutput, alerts: readonly Alert[]): Promise<Attempt> {
  return postJson(`${output.url.replace(/\/+$/, '')}/api/v2/alerts`, alerts, { timeoutSeconds: output.timeoutSeconds });
}
