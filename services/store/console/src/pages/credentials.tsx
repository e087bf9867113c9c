import { get, queryString, type Page } from '../api.js';
import { first, href, type Route } from '../route.js';
import { formValue, Head, Loading, useLoad, when } from './shared.js';

interface Credential {
  credentialId: string;
  credentialKind: string;
  user: string;
  cluster: string;
  firstSeen: string;
  lastSeen: string;
  ageDays: number;
  stale: boolean;
}

/** Credentials seen, most recently used first, with their age and whether they are stale. */
export function Credentials({ route }: { route: Route }) {
  const { params } = route;
  const staleAfterDays = first(params, 'staleAfterDays');
  const url = `/v1/credentials${queryString({ staleAfterDays, cluster: first(params, 'cluster'), cursor: first(params, 'cursor'), limit: '50' })}`;
  const { data, error } = useLoad(url, () => get<Page<Credential>>(url));
  return (
    <section>
      <h1>Credentials</h1>
      <form
        class="filters"
        aria-label="Credential filters"
        onSubmit={(e) => {
          e.preventDefault();
          const form = new FormData(e.currentTarget);
          location.hash = href('credentials', undefined, { staleAfterDays: formValue(form, 'staleAfterDays'), cluster: formValue(form, 'cluster') });
        }}
      >
        <label>
          stale after (days) <input name="staleAfterDays" type="number" min={1} max={3650} value={staleAfterDays ?? '90'} />
        </label>
        <label>
          cluster <input name="cluster" value={first(params, 'cluster') ?? ''} />
        </label>
        <button type="submit">Filter</button>
      </form>
      <Loading error={error}>
        {data && (
          <>
            <table class="list" aria-label="Credentials">
              <Head columns={['credential', 'kind', 'user', 'cluster', 'first seen', 'last seen', 'age (days)', 'stale']} />
              <tbody>
                {data.items.map((c) => (
                  <tr>
                    <td>{c.credentialId}</td>
                    <td>{c.credentialKind}</td>
                    <td>
                      <a href={href('identity', c.user)}>{c.user}</a>
                    </td>
                    <td>{c.cluster}</td>
                    <td class="time">{when(c.firstSeen)}</td>
                    <td class="time">{when(c.lastSeen)}</td>
                    <td class="num">{c.ageDays}</td>
                    <td>{c.stale ? <strong class="stale">stale</strong> : 'no'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {data.nextCursor !== null && (
              <a href={href('credentials', undefined, { staleAfterDays, cluster: first(params, 'cluster'), cursor: data.nextCursor })} rel="next">
                older →
              </a>
            )}
          </>
        )}
      </Loading>
    </section>
  );
}
