import net from 'node:net';
import os from 'node:os';
import tls from 'node:tls';
import type { Severity } from '#shared/contracts';
import { readConfigFile } from '#shared/config';
import { errorMessage } from '#shared/errors';
import type { Attempt } from '../deliver.js';
import { repeats, type Notification } from '../notification.js';
import type { NotifyOutput } from '../notify-file.js';

// The syslog output: RFC 5424 messages over TCP, or TLS (RFC 5425), octet-counted (RFC 6587), one notification
// a message, the finding's fields (and a group's id, count, first and last) as structured data (SD-ID
// kaudit@32473) — or, with `format: cef`, an
// ArcSight CEF line as the message. A message counts as delivered once the connection has taken it; a
// failed write reconnects and is sent again (TCP syslog has no receipt: RELP would be the next step).

type SyslogOutput = Extract<NotifyOutput, { type: 'syslog' }>;

const facilities = { kern: 0, user: 1, auth: 4, authpriv: 10, local0: 16, local1: 17, local2: 18, local3: 19, local4: 20, local5: 21, local6: 22, local7: 23 } as const;
export type Facility = keyof typeof facilities;
const syslogSeverity: Record<Severity, number> = { critical: 2, high: 3, medium: 4, low: 5, info: 6 };
const cefSeverity: Record<Severity, number> = { critical: 10, high: 8, medium: 5, low: 3, info: 1 };

/** An SD-PARAM value: `"`, `\` and `]` escaped (RFC 5424 6.3.3). */
const sdValue = (v: string) => v.replace(/["\\\]]/g, (c) => `\\${c}`);
/** PRINTUSASCII, at most `max` characters, `-` when empty (HOSTNAME, APP-NAME, MSGID). */
const header = (v: string, max: number) => v.replace(/[^\x21-\x7e]/g, '_').slice(0, max) || '-';
const cefHeader = (v: string) => v.replace(/[\\|]/g, (c) => `\\${c}`).replace(/[\r\n]+/g, ' ');
const cefValue = (v: string) => v.replace(/[\\=]/g, (c) => `\\${c}`).replace(/\r?\n/g, '\\n');

export function syslogMessage(n: Notification, { facility, appName, format, link, hostname = os.hostname(), version = '0.1.0' }: { facility: Facility; appName: string; format: 'rfc5424' | 'cef'; link: string | undefined; hostname?: string; version?: string }): string {
  const f = n.finding;
  const pri = facilities[facility] * 8 + syslogSeverity[f.severity];
  const params: [string, string | null][] = [
    ['finding', f.id],
    ['rule', f.ruleId],
    ['severity', f.severity],
    ['category', f.category],
    ['cluster', f.cluster],
    ['namespace', f.namespace],
    ['user', f.user],
    ['verb', f.verb],
    ['resource', f.resource],
    ['name', f.name],
    ['sourceIP', f.sourceIps[0] ?? null],
    ['auditID', f.auditId],
    ['eventTime', f.eventTime],
    ['link', link ?? null],
    ...(n.grouped
      ? ([
          ['group', n.id],
          ['count', String(n.count)],
          ['first', n.first],
          ['last', n.last],
        ] as [string, string][])
      : []),
  ];
  const sd = `[kaudit@32473 ${params
    .filter((p): p is [string, string] => p[1] !== null)
    .map(([k, v]) => `${k}="${sdValue(v)}"`)
    .join(' ')}]`;
  const msg =
    format === 'cef'
      ? `CEF:0|kaudit|kaudit|${cefHeader(version)}|${cefHeader(f.ruleId)}|${cefHeader(f.title)}|${String(cefSeverity[f.severity])}|${[
          ['rt', String(Date.parse(f.eventTime))],
          ['suser', f.user],
          ['src', f.sourceIps[0]],
          ['act', f.verb],
          ['cs1Label', 'cluster'],
          ['cs1', f.cluster],
          ['cs2Label', 'namespace'],
          ['cs2', f.namespace ?? undefined],
          ['externalId', n.id],
          ['cnt', n.grouped ? String(n.count) : undefined],
          ['cat', f.category],
          ['request', link],
          ['msg', `${f.summary}${repeats(n)}`],
        ]
          .filter((p): p is [string, string] => p[1] !== undefined)
          .map(([k, v]) => `${k}=${cefValue(v)}`)
          .join(' ')}`
      : `${f.summary}${repeats(n)}`;
  return `<${String(pri)}>1 ${new Date().toISOString()} ${header(hostname, 255)} ${header(appName, 48)} - ${header(f.ruleId, 32)} ${sd} ${msg.replace(/\r?\n/g, ' ')}`;
}

export function syslogSender(output: SyslogOutput, linkOf: (n: Notification) => string | undefined): (n: Notification) => Promise<Attempt> {
  const colon = output.address.lastIndexOf(':');
  const host = output.address.slice(0, colon).replace(/^\[|\]$/g, '');
  const port = Number(output.address.slice(colon + 1));
  const ca = output.tls?.caFile === undefined ? undefined : readConfigFile('KAUDIT_NOTIFY_FILE (tls.caFile)', output.tls.caFile);
  let socket: net.Socket | undefined;
  let connecting: Promise<net.Socket> | undefined;

  const connect = () =>
    new Promise<net.Socket>((resolve, reject) => {
      const s =
        output.tls === undefined
          ? net.connect({ host, port })
          : tls.connect({ host, port, servername: output.tls.serverName ?? (net.isIP(host) === 0 ? host : undefined), ...(ca === undefined ? {} : { ca }) });
      const ready = output.tls === undefined ? 'connect' : 'secureConnect';
      const timer = setTimeout(() => s.destroy(new Error(`no connection within ${String(output.timeoutSeconds)} s`)), output.timeoutSeconds * 1000);
      s.once(ready, () => {
        clearTimeout(timer);
        s.setKeepAlive(true);
        // an idle connection holds no process open at shutdown
        s.unref();
        resolve(s);
      });
      s.once('error', (err: Error) => {
        clearTimeout(timer);
        reject(err);
      });
      // a connection that closes is opened again by the next message
      s.once('close', () => {
        if (socket === s) socket = undefined;
      });
      // the receiver talks back only to close: nothing to read
      s.resume();
    });

  return async (n) => {
    const line = syslogMessage(n, { facility: output.facility, appName: output.appName, format: output.format, link: linkOf(n) });
    const framed = `${String(Buffer.byteLength(line))} ${line}`;
    try {
      if (socket === undefined) {
        connecting ??= connect().finally(() => {
          connecting = undefined;
        });
        socket = await connecting;
      }
      const s = socket;
      await new Promise<void>((resolve, reject) => {
        s.write(framed, (err) => {
          if (err) reject(err);
          else resolve();
        });
      });
      return { ok: true };
    } catch (err) {
      socket?.destroy();
      socket = undefined;
      return { ok: false, retriable: true, reason: `syslog ${output.address}: ${errorMessage(err)}` };
    }
  };
}
