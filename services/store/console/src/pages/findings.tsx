import { useEffect, useRef, useState } from 'preact/hooks';
import { get, queryString, type Finding, type Incident, type Page } from '../api.js';
import { first, href, rangeParams, useTimeRange, type Route } from '../route.js';
import { formValue, Head, Loading, SeverityBadge, TimeRange, useLoad, when } from './shared.js';
import { triageStates } from './triage.js';

const filterKeys = ['severity', 'severityIs', 'ruleId', 'cluster', 'namespace', 'user', 'triage'] as const;
const pageSize = '50';

/** The findings (or incidents) of the URL's filters, paged by the server's cursors. */
export function Findings({ route }: { route: Route }) {
  const { params } = route;
  const grouped = first(params, 'view') === 'incidents';
  const filters = Object.fromEntries(filterKeys.map((k) => [k, params[k]]));
  const range = useTimeRange(route);
  const query = { ...filters, ...range, cursor: first(params, 'cursor'), limit: pageSize };
  const url = `/v1/${grouped ? 'incidents' : 'findings'}${queryString(query)}`;
  const { data, error } = useLoad(url, () => get<Page<Finding | Incident> & { triage?: Record<string, { state: string }> }>(url));
  const keep = { ...Object.fromEntries(filterKeys.map((k) => [k, params[k]?.[0]])), ...rangeParams(params) };
  const trail = params.trail ?? [];
  return (
    <section>
      <h1>{grouped ? 'Incidents' : 'Findings'}</h1>
      <TimeRange route={route} />
      <FilterForm route={route} />
      <p class="views">
        <a href={href('findings', undefined, keep)} aria-current={grouped ? undefined : 'true'}>
          each finding
        </a>{' '}
        <a href={href('findings', undefined, { ...keep, view: 'incidents' })} aria-current={grouped ? 'true' : undefined}>
          grouped into incidents
        </a>
      </p>
      <p class="export">
        Export this filter:{' '}
        <a href={`/v1/findings/export${queryString({ ...filters, ...range, format: 'csv' })}`} download>
          CSV
        </a>{' '}
        <a href={`/v1/findings/export${queryString({ ...filters, ...range, format: 'ndjson' })}`} download>
          NDJSON
        </a>
      </p>
      {!grouped && first(params, 'cursor') === undefined && <Live filters={filters} />}
      <Loading error={error}>
        {data && (
          <>
            {grouped ? <IncidentTable items={data.items as Incident[]} /> : <FindingTable items={data.items as Finding[]} triage={data.triage ?? {}} />}
            <nav class="pager" aria-label="Pages">
              {trail.length > 0 && (
                <a href={href('findings', undefined, { ...keep, view: first(params, 'view'), cursor: trail.at(-2), trail: trail.slice(0, -1) })}>← newer</a>
              )}
              {data.nextCursor !== null && (
                <a href={href('findings', undefined, { ...keep, view: first(params, 'view'), cursor: data.nextCursor, trail: [...trail, data.nextCursor] })} rel="next">
                  older →
                </a>
              )}
            </nav>
          </>
        )}
      </Loading>
    </section>
  );
}

function FilterForm({ route }: { route: Route }) {
  const { params } = route;
  return (
    <form
      class="filters"
      aria-label="Filters"
      onSubmit={(e) => {
        e.preventDefault();
        const form = new FormData(e.currentTarget);
        const values = Object.fromEntries(filterKeys.map((k) => [k, formValue(form, k)]));
        location.hash = href('findings', undefined, { ...values, ...rangeParams(params), view: first(params, 'view') });
      }}
    >
      <label>
        at least
        <select name="severity" value={first(params, 'severity') ?? ''}>
          <option value="">any severity</option>
          {['info', 'low', 'medium', 'high', 'critical'].map((s) => (
            <option value={s}>{s}</option>
          ))}
        </select>
      </label>
      <label>
        triage
        <select name="triage" value={first(params, 'triage') ?? ''}>
          <option value="">any state</option>
          {triageStates.map((s) => (
            <option value={s}>{s}</option>
          ))}
        </select>
      </label>
      {(['ruleId', 'cluster', 'namespace', 'user'] as const).map((k) => (
        <label>
          {k === 'ruleId' ? 'rule' : k}
          <input name={k} value={first(params, k) ?? ''} />
        </label>
      ))}
      <input type="hidden" name="severityIs" value={first(params, 'severityIs') ?? ''} />
      <button type="submit">Filter</button>
    </form>
  );
}

/** A finding's cells in a list row: time, severity, rule, summary (the link to it), user, cluster. */
function FindingCells({ f }: { f: Finding }) {
  return (
    <>
      <td class="time">{when(f.eventTime)}</td>
      <td>
        <SeverityBadge severity={f.severity} />
      </td>
      <td>{f.ruleId}</td>
      <td>
        <a href={href('finding', f.id)}>{f.summary}</a>
      </td>
      <td>{f.user || '—'}</td>
      <td>{f.cluster}</td>
    </>
  );
}

function FindingTable({ items, triage }: { items: Finding[]; triage: Record<string, { state: string }> }) {
  if (items.length === 0) return <p class="empty">No findings match.</p>;
  return (
    <table class="list" aria-label="Findings">
      <Head columns={['time', 'severity', 'rule', 'summary', 'user', 'cluster', 'namespace', 'triage']} />
      <tbody>
        {items.map((f) => (
          <tr>
            <FindingCells f={f} />
            <td>{f.namespace ?? '—'}</td>
            <td>{triage[f.id]?.state ?? 'new'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function IncidentTable({ items }: { items: Incident[] }) {
  if (items.length === 0) return <p class="empty">No incidents match.</p>;
  return (
    <table class="list" aria-label="Incidents">
      <Head columns={['last', 'severity', 'rule', 'findings', 'user', 'cluster', 'first']} />
      <tbody>
        {items.map((i) => (
          <tr>
            <td class="time">{when(i.last)}</td>
            <td>
              <SeverityBadge severity={i.severity} />
            </td>
            <td>
              <a href={href('finding', i.id, { incident: '1' })}>{i.title}</a>
            </td>
            <td class="num">{i.count}</td>
            <td>{i.user}</td>
            <td>{i.cluster}</td>
            <td class="time">{when(i.first)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** New findings of the filter as the store writes them (server-sent events), above the list; pausable. */
function Live({ filters }: { filters: Record<string, string[] | undefined> }) {
  const [fresh, setFresh] = useState<Finding[]>([]);
  const [held, setHeld] = useState<Finding[]>([]);
  const [paused, setPaused] = useState(false);
  const [connected, setConnected] = useState(false);
  const pausedRef = useRef(paused);
  pausedRef.current = paused;
  const url = `/v1/findings/live${queryString(filters)}`;
  useEffect(() => {
    setFresh([]);
    setHeld([]);
    const source = new EventSource(url);
    source.onopen = () => {
      setConnected(true);
    };
    source.onerror = () => {
      setConnected(false);
    };
    source.addEventListener('finding', (e) => {
      const f = JSON.parse((e as MessageEvent<string>).data) as Finding;
      const add = (list: Finding[]) => (list.some((x) => x.id === f.id) ? list : [f, ...list].slice(0, 200));
      if (pausedRef.current) setHeld(add);
      else setFresh(add);
    });
    return () => {
      source.close();
    };
  }, [url]);
  return (
    <section class="live" aria-label="Live">
      <p>
        <span class={connected ? 'live-on' : 'live-off'} role="status">
          {connected ? (paused ? `live: paused, ${String(held.length)} new waiting` : 'live: new findings appear below') : 'live: connecting…'}
        </span>{' '}
        <button
          type="button"
          aria-pressed={paused}
          onClick={() => {
            if (paused) {
              setFresh((list) => [...held.filter((h) => !list.some((x) => x.id === h.id)), ...list].slice(0, 200));
              setHeld([]);
            }
            setPaused(!paused);
          }}
        >
          {paused ? 'Resume' : 'Pause'}
        </button>
      </p>
      {fresh.length > 0 && (
        <table class="list fresh" aria-label="New findings">
          <tbody>
            {fresh.map((f) => (
              <tr>
                <FindingCells f={f} />
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
