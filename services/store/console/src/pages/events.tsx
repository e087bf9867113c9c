import { get, queryString, type AuditRecord, type Page } from '../api.js';
import { first, href, rangeParams, useTimeRange, type Route } from '../route.js';
import { formValue, Head, Loading, TimeRange, useLoad, when } from './shared.js';

const keys = ['user', 'verb', 'resource', 'namespace', 'cluster', 'clientIp', 'responseCode', 'decision'] as const;
const text = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : '—');

/** Event search for analysts: the normalized records of the filter, newest first, server-paged. */
export function Events({ route }: { route: Route }) {
  const { params } = route;
  const filters = Object.fromEntries(keys.map((k) => [k, first(params, k)]));
  const range = useTimeRange(route);
  const url = `/v1/events${queryString({ ...filters, ...range, cursor: first(params, 'cursor'), limit: '50' })}`;
  const { data, error } = useLoad(url, () => get<Page<AuditRecord>>(url));
  return (
    <section>
      <h1>Event search</h1>
      <TimeRange route={route} />
      <form
        class="filters"
        aria-label="Event filters"
        onSubmit={(e) => {
          e.preventDefault();
          const form = new FormData(e.currentTarget);
          const values = Object.fromEntries(keys.map((k) => [k, formValue(form, k)]));
          location.hash = href('events', undefined, { ...values, ...rangeParams(params) });
        }}
      >
        {keys.map((k) => (
          <label>
            {k}
            {k === 'decision' ? (
              <select name={k} value={first(params, k) ?? ''}>
                <option value="">any</option>
                <option value="allow">allow</option>
                <option value="forbid">forbid</option>
              </select>
            ) : (
              <input name={k} value={first(params, k) ?? ''} size={k === 'responseCode' ? 4 : 14} />
            )}
          </label>
        ))}
        <button type="submit">Search</button>
      </form>
      <Loading error={error}>
        {data && (
          <>
            <table class="list" aria-label="Events">
              <Head columns={['time', 'user', 'verb', 'request', 'code', 'decision', 'client', 'cluster']} />
              <tbody>
                {data.items.map((r) => (
                  <tr>
                    <td class="time">{when(text(r.eventTime))}</td>
                    <td>
                      <a href={href('identity', text(r.user))}>{text(r.user)}</a>
                    </td>
                    <td>{text(r.derivedVerb)}</td>
                    <td>{text(r.requestUri)}</td>
                    <td class="num">{text(r.responseCode)}</td>
                    <td>{text(r.decision)}</td>
                    <td>{text(r.clientIp)}</td>
                    <td>{text(r.cluster)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {data.nextCursor !== null && (
              <a href={href('events', undefined, { ...filters, ...rangeParams(params), cursor: data.nextCursor })} rel="next">
                older →
              </a>
            )}
          </>
        )}
      </Loading>
    </section>
  );
}
