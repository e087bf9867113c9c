import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError, type Severity } from '../api.js';
import { first, href, ranges, defaultRange, type Route } from '../route.js';

/** Loads `load()` whenever `key` changes; the page shows `error` or waits while `data` is undefined. */
export function useLoad<T>(key: string, load: () => Promise<T>): { data: T | undefined; error: string | undefined } {
  const [state, setState] = useState<{ key: string; data?: T; error?: string }>({ key: '' });
  useEffect(() => {
    let live = true;
    setState({ key });
    load().then(
      (data) => {
        if (live) setState({ key, data });
      },
      (err: unknown) => {
        if (live) setState({ key, error: err instanceof ApiError ? `${String(err.status)}: ${err.message}` : String(err) });
      },
    );
    return () => {
      live = false;
    };
  }, [key]);
  return state.key === key ? { data: state.data, error: state.error } : { data: undefined, error: undefined };
}

export function Loading({ error, children }: { error: string | undefined; children?: ComponentChildren }) {
  if (error !== undefined) return <p class="error" role="alert">{error}</p>;
  return children ?? <p aria-busy="true">Loading…</p>;
}

export const SeverityBadge = ({ severity }: { severity: Severity }) => <span class={`sev sev-${severity}`}>{severity}</span>;

export const when = (iso: string | null | undefined) => (iso ? iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC') : '—');

/** The time range control: relative ranges as links, or an absolute range in two fields. */
export function TimeRange({ route }: { route: Route }) {
  const { page, arg, params } = route;
  const current = first(params, 'since') || first(params, 'until') ? 'custom' : (first(params, 'range') ?? defaultRange);
  const rest = Object.fromEntries(Object.entries(params).filter(([k]) => !['range', 'since', 'until', 'cursor'].includes(k)));
  const [since, setSince] = useState(first(params, 'since') ?? '');
  const [until, setUntil] = useState(first(params, 'until') ?? '');
  return (
    <nav class="range" aria-label="Time range">
      {ranges.map((r) => (
        <a href={href(page, arg, { ...rest, range: r })} aria-current={current === r ? 'true' : undefined}>
          {r === 'all' ? 'all time' : `last ${r}`}
        </a>
      ))}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          const iso = (v: string) => (v === '' ? undefined : new Date(v).toISOString());
          location.hash = href(page, arg, { ...rest, since: iso(since), until: iso(until) });
        }}
      >
        <label>
          from <input type="datetime-local" step="1" value={since.slice(0, 19)} onInput={(e) => { setSince(e.currentTarget.value); }} />
        </label>
        <label>
          to <input type="datetime-local" step="1" value={until.slice(0, 19)} onInput={(e) => { setUntil(e.currentTarget.value); }} />
        </label>
        <button type="submit">Apply</button>
      </form>
    </nav>
  );
}

/** A form field's text ('' when absent). */
export function formText(form: FormData, key: string): string {
  const v = form.get(key);
  return typeof v === 'string' ? v : '';
}

/** A filter field's value: its text trimmed, undefined when empty (so it stays out of the URL). */
export const formValue = (form: FormData, key: string): string | undefined => formText(form, key).trim() || undefined;

/** A list's header row. */
export const Head = ({ columns }: { columns: readonly string[] }) => (
  <thead>
    <tr>
      {columns.map((h) => (
        <th scope="col">{h}</th>
      ))}
    </tr>
  </thead>
);
