import type { Attempt } from '../deliver.js';
import { linkOf, type Notification } from '../notification.js';
import type { NotifyOutput } from '../notify-file.js';
import { alertOf, postAlerts } from './alertmanager.js';
import { syslogSender } from './syslog.js';
import { webhookSender } from './webhook.js';

// Each output as deliveries: the notifications one delivery carries and how to send it. Alertmanager takes up
// to 500 alerts a request; a webhook one notification a request, syslog one a message.

export interface Delivery {
  notifications: Notification[];
  send: () => Promise<Attempt>;
}

const alertsPerRequest = 500;

export function deliveriesFor(output: NotifyOutput, linkBase: string | undefined, now: () => Date, secrets: Readonly<Record<string, string>>): (notifications: Notification[]) => Delivery[] {
  const link = (n: Notification) => linkOf(linkBase, n);
  if (output.type === 'alertmanager') {
    return (notifications) => {
      const out: Delivery[] = [];
      for (let i = 0; i < notifications.length; i += alertsPerRequest) {
        const part = notifications.slice(i, i + alertsPerRequest);
        out.push({ notifications: part, send: () => postAlerts(output, part.map((n) => alertOf(n, output, now(), link(n)))) });
      }
      return out;
    };
  }
  const send = output.type === 'syslog' ? syslogSender(output, link) : webhookSender(output, link, secrets);
  return (notifications) => notifications.map((n) => ({ notifications: [n], send: () => send(n) }));
}
