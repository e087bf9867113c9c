import { severityRank, type Finding } from '#shared/contracts';
import type { NotifyRoute } from './notify-file.js';

// Which findings a route takes: every condition it sets must hold (an unset one holds for all).

export function routeMatches(route: NotifyRoute, f: Finding): boolean {
  const m = route.match;
  if (m.minSeverity !== undefined && severityRank(f.severity) < severityRank(m.minSeverity)) return false;
  if (m.rules !== undefined && !m.rules.includes(f.ruleId)) return false;
  if (m.categories !== undefined && !m.categories.includes(f.category)) return false;
  if (m.clusters !== undefined && !m.clusters.includes(f.cluster)) return false;
  if (m.namespaces !== undefined && (f.namespace === null || !m.namespaces.includes(f.namespace))) return false;
  return true;
}

/** The names of the outputs a finding goes to, over every route that takes it. */
export function outputsFor(routes: readonly NotifyRoute[], f: Finding): Set<string> {
  const out = new Set<string>();
  for (const r of routes) if (routeMatches(r, f)) for (const o of r.outputs) out.add(o);
  return out;
}
