// The console's place lives in the URL's hash (#/page/arg?filters), so every view is a shareable link
// and the store serves one static page.
import { useEffect, useMemo, useState } from 'preact/hooks';

export interface Route {
  page: string;
  arg: string | undefined;
  params: Record<string, string[]>;
}

export function parseRoute(hash: string): Route {
  const h = hash.replace(/^#\/?/, '');
  const q = h.indexOf('?');
  const pathPart = q < 0 ? h : h.slice(0, q);
  const [page = '', ...rest] = pathPart.split('/');
  const params: Record<string, string[]> = {};
  for (const [k, v] of new URLSearchParams(q < 0 ? '' : h.slice(q + 1))) (params[k] ??= []).push(v);
  return { page: page === '' ? 'overview' : page, arg: rest.length > 0 ? decodeURIComponent(rest.join('/')) : undefined, params };
}

/** `#/page[/arg][?params]`: the link to a view. */
export function href(page: string, arg?: string, params: Record<string, string | string[] | undefined> = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) for (const one of v === undefined ? [] : Array.isArray(v) ? v : [v]) if (one !== '') q.append(k, one);
  const s = q.toString();
  return `#/${page}${arg === undefined ? '' : `/${encodeURIComponent(arg)}`}${s === '' ? '' : `?${s}`}`;
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const on = () => { setRoute(parseRoute(location.hash)); };
    addEventListener('hashchange', on);
    return () => { removeEventListener('hashchange', on); };
  }, []);
  return route;
}

export const first = (params: Record<string, string[]>, key: string): string | undefined => params[key]?.[0];

/** The time range of a view: `range` (relative: 1h, 24h, 7d, 30d, all) or `since`/`until` (absolute). */
export const ranges = ['1h', '24h', '7d', '30d', 'all'] as const;
export const defaultRange = '7d';
const rangeMs: Record<string, number> = { '1h': 3600_000, '24h': 86_400_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000 };

export function timeRange(params: Record<string, string[]>, now = Date.now()): { since?: string; until?: string } {
  const since = first(params, 'since');
  const until = first(params, 'until');
  if (since !== undefined || until !== undefined) return { ...(since ? { since } : {}), ...(until ? { until } : {}) };
  const range = first(params, 'range') ?? defaultRange;
  const ms = rangeMs[range];
  return ms === undefined ? {} : { since: new Date(now - ms).toISOString() };
}

/** The parameters that make a view's time range, to carry into the links it shows. */
export function rangeParams(params: Record<string, string[]>): Record<string, string | undefined> {
  const since = first(params, 'since');
  const until = first(params, 'until');
  if (since !== undefined || until !== undefined) return { since, until };
  return { range: first(params, 'range') };
}

/**
 * The view's time range, computed once per navigation: a relative range read afresh on every render would
 * change the queries (and reload them) on every render.
 */
export function useTimeRange(route: Route): { since?: string; until?: string } {
  return useMemo(() => timeRange(route.params), [route]);
}
