import { atLeast, get, queryString, type AuditRecord, type Finding, type Role } from '../api.js';
import { href } from '../route.js';
import { Loading, SeverityBadge, useLoad, when } from './shared.js';
import { TriagePanel } from './triage.js';

const str = (v: unknown): string => {
  if (v === null || v === undefined || v === '') return '—';
  if (Array.isArray(v)) return v.map(str).join(', ');
  if (typeof v === 'object') return JSON.stringify(v);
  return typeof v === 'string' ? v : JSON.stringify(v);
};

/** Rows of the re-evaluated request: who, with which credential, what was asked, who allowed it, what RBAC says. */
const requestRows: [string, string[]][] = [
  ['Who', ['user', 'groups', 'identityKind', 'serviceAccount', 'nodeName', 'impersonatedUser']],
  ['Credential', ['credentialKind', 'credentialId']],
  ['Request', ['verb', 'derivedVerb', 'requestUri', 'apiGroup', 'resource', 'subresource', 'namespace', 'name', 'clientIp', 'userAgent', 'transportTls']],
  ['Decision', ['decision', 'decisionReason', 'responseCode', 'authorizer', 'grantingBinding', 'grantingRole']],
  ['RBAC says', ['rbacVerdict', 'rbacVerdictBinding', 'rbacVerdictNote']],
];

export function FindingDetail({ id, role, incident = false }: { id: string; role: Role; incident?: boolean }) {
  const { data, error } = useLoad(id, () => get<{ finding: Finding; record: AuditRecord | null }>(`/v1/findings/${encodeURIComponent(id)}`));
  return (
    <section>
      <Loading error={error}>
        {data && (
          <>
            <h1>
              <SeverityBadge severity={data.finding.severity} /> {data.finding.title}
            </h1>
            <p class="summary">{data.finding.summary}</p>
            <dl class="facts">
              <dt>rule</dt>
              <dd>
                <a href={href('rules', undefined, { id: data.finding.ruleId })}>{data.finding.ruleId}</a> ({data.finding.category}; MITRE {str(data.finding.mitre)})
              </dd>
              <dt>time</dt>
              <dd>{when(data.finding.eventTime)}</dd>
              <dt>cluster</dt>
              <dd>{data.finding.cluster}</dd>
              <dt>audit id</dt>
              <dd>{data.finding.auditId}</dd>
              <dt>identity</dt>
              <dd>{data.finding.user === '' ? '—' : atLeast(role, 'analyst') ? <a href={href('identity', data.finding.user)}>{data.finding.user}</a> : data.finding.user}</dd>
            </dl>
            <TriagePanel finding={data.finding} canWrite={atLeast(role, 'analyst')} incident={incident} />
            <h2>Evidence</h2>
            <pre class="json" aria-label="Evidence">{JSON.stringify(data.finding.evidence, null, 2)}</pre>
            <h2>The request, re-evaluated</h2>
            {data.record === null ? (
              <p>The record of this request is not stored.</p>
            ) : (
              <table class="record" aria-label="Re-evaluated request">
                <tbody>
                  {requestRows.map(([group, keys]) =>
                    keys.map((k, i) => (
                      <tr>
                        {i === 0 && (
                          <th scope="rowgroup" rowSpan={keys.length}>
                            {group}
                          </th>
                        )}
                        <th scope="row">{k}</th>
                        <td data-field={k}>{str(data.record?.[k])}</td>
                      </tr>
                    )),
                  )}
                </tbody>
              </table>
            )}
            {atLeast(role, 'analyst') ? <RawEvent auditId={data.finding.auditId} cluster={data.finding.cluster} /> : <p class="note">Raw events need the analyst role.</p>}
          </>
        )}
      </Loading>
    </section>
  );
}

function RawEvent({ auditId, cluster }: { auditId: string; cluster: string }) {
  const url = `/v1/events/${encodeURIComponent(auditId)}${queryString({ cluster })}`;
  const { data, error } = useLoad(url, () => get<{ items: { record: AuditRecord; raw: unknown }[] }>(url));
  return (
    <>
      <h2>Raw event (redacted)</h2>
      <Loading error={error}>
        {data &&
          data.items.map((s) => (
            <details open={data.items.length === 1}>
              <summary>{str(s.record.stage)}</summary>
              <pre class="json" aria-label={`Raw event, ${str(s.record.stage)}`}>{JSON.stringify(s.raw, null, 2)}</pre>
            </details>
          ))}
      </Loading>
    </>
  );
}
