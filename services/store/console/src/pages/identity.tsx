import { get } from '../api.js';
import { href } from '../route.js';
import { Head, Loading, useLoad, when } from './shared.js';

interface Identity {
  user: string;
  firstSeen: string;
  lastSeen: string;
  events: number;
  identityKinds: string[];
  credentials: { credentialId: string; credentialKind: string; firstSeen: string; lastSeen: string; events: number }[];
  verbs: { verb: string; count: number }[];
  resources: { resource: string; count: number }[];
  forbidden: number;
  findingsByRule: { ruleId: string; count: number }[];
  clusters: string[];
}

const Counted = ({ title, rows }: { title: string; rows: [string, number, string?][] }) => (
  <table class="top">
    <caption>{title}</caption>
    <tbody>
      {rows.map(([k, n, link]) => (
        <tr>
          <td>{link ? <a href={link}>{k}</a> : k}</td>
          <td class="num">{n}</td>
        </tr>
      ))}
    </tbody>
  </table>
);

/** One identity: first and last seen, credentials, verbs, resources, refusals and findings. */
export function IdentityPage({ user }: { user: string }) {
  const { data, error } = useLoad(user, () => get<Identity>(`/v1/identities/${encodeURIComponent(user)}`));
  return (
    <section>
      <h1>Identity {user}</h1>
      <Loading error={error}>
        {data && (
          <>
            <dl class="facts">
              <dt>first seen</dt>
              <dd>{when(data.firstSeen)}</dd>
              <dt>last seen</dt>
              <dd>{when(data.lastSeen)}</dd>
              <dt>requests</dt>
              <dd>{data.events}</dd>
              <dt>refused</dt>
              <dd>{data.forbidden}</dd>
              <dt>kind</dt>
              <dd>{data.identityKinds.join(', ')}</dd>
              <dt>clusters</dt>
              <dd>{data.clusters.join(', ')}</dd>
            </dl>
            <table class="list" aria-label="Credentials">
              <caption>Credentials</caption>
              <Head columns={['credential', 'kind', 'first seen', 'last seen', 'requests']} />
              <tbody>
                {data.credentials.map((c) => (
                  <tr>
                    <td>{c.credentialId}</td>
                    <td>{c.credentialKind}</td>
                    <td class="time">{when(c.firstSeen)}</td>
                    <td class="time">{when(c.lastSeen)}</td>
                    <td class="num">{c.events}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <div class="columns">
              <Counted title="Findings" rows={data.findingsByRule.map((r) => [r.ruleId, r.count, href('findings', undefined, { user, ruleId: r.ruleId, range: 'all' })])} />
              <Counted title="Verbs" rows={data.verbs.map((v) => [v.verb, v.count])} />
              <Counted title="Resources" rows={data.resources.map((r) => [r.resource, r.count])} />
            </div>
          </>
        )}
      </Loading>
    </section>
  );
}
