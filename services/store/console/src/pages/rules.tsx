import { get, type RuleEntry } from '../api.js';
import { first, href, type Route } from '../route.js';
import { Head, Loading, SeverityBadge, useLoad } from './shared.js';

/** The catalogue as the store runs it: enabled, effective severity, tuning in effect. */
export function Rules({ route }: { route: Route }) {
  const { data, error } = useLoad('rules', () => get<{ items: RuleEntry[] }>('/v1/rules'));
  const selected = first(route.params, 'id');
  return (
    <section>
      <h1>Rules</h1>
      <Loading error={error}>
        {data && (
          <table class="list" aria-label="Rules">
            <Head columns={['rule', 'title', 'category', 'severity', 'enabled', 'tuning']} />
            <tbody>
              {data.items.map((r) => (
                <tr id={`rule-${r.id}`} aria-current={selected === r.id ? 'true' : undefined}>
                  <td>
                    <a href={href('findings', undefined, { ruleId: r.id })}>{r.id}</a>
                  </td>
                  <td>{r.title}</td>
                  <td>{r.category}</td>
                  <td>
                    <SeverityBadge severity={r.severity} />
                  </td>
                  <td>{r.enabled ? 'yes' : 'no'}</td>
                  <td>
                    {[
                      r.custom === true ? 'custom rule' : undefined,
                      r.severity !== r.defaultSeverity ? `severity from ${String(r.defaultSeverity)}` : undefined,
                      typeof r.exceptions === 'number' && r.exceptions > 0 ? `${String(r.exceptions)} exceptions` : undefined,
                    ]
                      .filter(Boolean)
                      .join('; ') || '—'}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Loading>
    </section>
  );
}
