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

/**
 * The route that sends a finding to an output: the first, in the file's order, that takes it and names the
 * output (its grouping applies). Undefined: the finding does not go to the output.
 */
export function routeTo(routes: readonly NotifyRoute[], output: string, f: Finding): NotifyRoute | undefined {
  return routes.find((r) => r.outputs.includes(output) && routeMatches(r, f));
}
