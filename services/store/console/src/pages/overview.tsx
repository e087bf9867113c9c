import { get, queryString, type Stats } from '../api.js';
import { href, rangeParams, useTimeRange, type Route } from '../route.js';
import { Loading, TimeRange, useLoad } from './shared.js';

const severities = ['critical', 'high', 'medium', 'low', 'info'];

function stats(groupBy: string, range: { since?: string; until?: string }, interval?: string) {
  return get<Stats>(`/v1/stats${queryString({ groupBy, interval, ...range })}`);
}

/** Counts by severity and rule over the range, a timeline from the server's buckets, top identities and clusters. */
export function Overview({ route }: { route: Route }) {
  const range = useTimeRange(route);
  const span = range.since === undefined ? Infinity : (range.until === undefined ? Date.now() : Date.parse(range.until)) - Date.parse(range.since);
  const interval = span <= 3 * 86_400_000 ? '1h' : '1d';
  const { data, error } = useLoad(JSON.stringify([range, interval]), async () => {
    const [bySeverity, byRule, byUser, byCluster, timeline] = await Promise.all([
      stats('severity', range),
      stats('ruleId', range),
      stats('user', range),
      stats('cluster', range),
      stats('severity', range, interval),
    ]);
    return { bySeverity, byRule, byUser, byCluster, timeline };
  });
  const carry = rangeParams(route.params);
  const list = (filter: Record<string, string | undefined>) => href('findings', undefined, { ...carry, ...filter });
  return (
    <section>
      <h1>Overview</h1>
      <TimeRange route={route} />
      <Loading error={error}>
        {data && (
          <>
            <ul class="tiles" aria-label="Findings by severity">
              {severities.map((s) => {
                const n = data.bySeverity.buckets.find((b) => b.key === s)?.count ?? 0;
                return (
                  <li class={`tile sev-${s}`}>
                    <a href={list({ severityIs: s })}>
                      <span class="count" data-severity={s}>{n}</span> {s}
                    </a>
                  </li>
                );
              })}
            </ul>
            <Timeline stats={data.timeline} interval={interval} />
            <div class="columns">
              <Top title="Rules" column="rule" buckets={data.byRule} link={(k) => list({ ruleId: k })} />
              <Top title="Identities" column="user" buckets={data.byUser} link={(k) => list({ user: k })} />
              <Top title="Clusters" column="cluster" buckets={data.byCluster} link={(k) => list({ cluster: k })} />
            </div>
          </>
        )}
      </Loading>
    </section>
  );
}

function Top({ title, column, buckets, link }: { title: string; column: string; buckets: Stats; link: (key: string) => string }) {
  const top = buckets.buckets.filter((b) => b.key !== null && b.key !== '').slice(0, 10);
  return (
    <table class="top">
      <caption>{title}</caption>
      <thead>
        <tr>
          <th scope="col">{column}</th>
          <th scope="col">findings</th>
        </tr>
      </thead>
      <tbody>
        {top.length === 0 && (
          <tr>
            <td colSpan={2}>none in this range</td>
          </tr>
        )}
        {top.map((b) => (
          <tr>
            <td>
              <a href={link(b.key ?? '')}>{b.key}</a>
            </td>
            <td class="num">{b.count}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const day = (iso: string | undefined) => (iso ?? '').replace(/T(\d\d:\d\d).*$/, (_m, hm: string) => (hm === '00:00' ? '' : ` ${hm}`));

/** Stacked bars per bucket, as the server counted them (GET /v1/stats with an interval). */
function Timeline({ stats: s, interval }: { stats: Stats; interval: string }) {
  const starts = [...new Set(s.buckets.map((b) => b.start ?? ''))].sort();
  if (starts.length === 0) return <p class="timeline-empty">No findings in this range.</p>;
  const totals = starts.map((t) => s.buckets.filter((b) => b.start === t).reduce((n, b) => n + b.count, 0));
  const max = Math.max(...totals, 1);
  const w = Math.max(4, Math.min(40, Math.floor(900 / starts.length)));
  const h = 120;
  return (
    <figure class="timeline">
      <svg width={starts.length * w} height={h + 4} role="img" aria-label={`Findings per ${interval === '1h' ? 'hour' : 'day'}, by severity`}>
        {starts.map((t, i) => {
          let y = h;
          return severities
            .slice()
            .reverse()
            .map((sev) => {
              const n = s.buckets.find((b) => b.start === t && b.key === sev)?.count ?? 0;
              const bh = (n / max) * h;
              y -= bh;
              return n === 0 ? null : (
                <rect x={i * w} y={y} width={w - 1} height={bh} class={`bar sev-${sev}`}>
                  <title>{`${t}: ${String(n)} ${sev}`}</title>
                </rect>
              );
            });
        })}
      </svg>
      <figcaption>
        Findings per {interval === '1h' ? 'hour' : 'day'} ({day(starts[0])} – {day(starts.at(-1))}, days with findings), counted by the store
      </figcaption>
    </figure>
  );
}
