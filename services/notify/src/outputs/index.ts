import type { Finding } from '#shared/contracts';
import type { Attempt } from '../deliver.js';
import type { NotifyOutput } from '../notify-file.js';
import { alertOf, postAlerts } from './alertmanager.js';
import { syslogSender } from './syslog.js';
import { webhookSender } from './webhook.js';

// Each output as deliveries: the findings one delivery carries and how to send it. Alertmanager takes up
// to 500 alerts a request; a webhook one finding a request, syslog one a message.

export interface Delivery {
  findings: Finding[];
  send: () => Promise<Attempt>;
}

const alertsPerRequest = 500;

export function deliveriesFor(output: NotifyOutput, linkBase: string | undefined, now: () => Date, secrets: Readonly<Record<string, string>>): (findings: Finding[]) => Delivery[] {
  const linkOf = (f: Finding) => (linkBase === undefined ? undefined : `${linkBase.replace(/\/+$/, '')}/v1/findings/${encodeURIComponent(f.id)}`);
  if (output.type === 'alertmanager') {
    return (findings) => {
      const out: Delivery[] = [];
      for (let i = 0; i < findings.length; i += alertsPerRequest) {
        const part = findings.slice(i, i + alertsPerRequest);
        out.push({ findings: part, send: () => postAlerts(output, part.map((f) => alertOf(f, output, now(), linkOf(f)))) });
      }
      return out;
    };
  }
  const send = output.type === 'syslog' ? syslogSender(output, linkOf) : webhookSender(output, linkOf, secrets);
  return (findings) => findings.map((f) => ({ findings: [f], send: () => send(f) }));
}
