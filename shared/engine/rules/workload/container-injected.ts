import { arr, isObj, isSystemIdentity, isWholeObject, str } from '../objects.js';
import { defineWorkloadRule, nameList, wrote } from './helpers.js';

/** The container names an object's pod template holds (containers and init containers). */
const knownKey = (cluster: string, kind: string, ns: string | null, name: string) => `container-injected|${cluster}|${kind}|${ns ?? ''}/${name}`;

/** A JSON patch that appends a container or an init container (`add` to `…/containers/-`). */
function appendsContainer(patch: unknown): boolean {
  return arr(patch).some((op) => isObj(op) && op.op === 'add' && /\/(?:containers|initContainers)(?:\/-|\/\d+)?$/.test(str(op.path) ?? ''));
}

/**
 * A container or init container added to an existing workload by an update or a patch (a sidecar that
 * reads the pod's token, Secrets and traffic, in a workload that already had its place and its rights):
 * compared with the workload's container names kept from the writes the log shows (create, update, and a
 * patch's stored result), or, for a workload not yet seen, a JSON patch appending a container. Image
 * changes of existing containers are rollouts, not injections. The control plane's writes are not reported.
 */
export const containerInjected = defineWorkloadRule({ id: 'container-injected', title: 'Container added to a running workload', severity: 'medium', mitre: ['T1610', 'T1525'], scope: 'cluster' }, (w, { record, event, state }) => {
  const key = knownKey(record.cluster, w.kind, w.namespace, w.name);
  const names = w.specs.flatMap((s) => s.containers).filter((c) => c.kind !== 'ephemeralContainer').map((c) => c.name);
  // the whole object: a create or update, or the stored result of a patch
  const whole = isWholeObject(record, event, w.object);
  const known = state.get<string[]>(key);
  if (record.derivedVerb === 'create') {
    state.set(key, names);
    return undefined;
  }
  if (whole && names.length > 0) state.set(key, names);
  else if (known !== undefined && names.length > 0) state.set(key, [...new Set([...known, ...names])]);
  if (isSystemIdentity(record)) return undefined;
  const added = known === undefined ? (appendsContainer(event.requestObject) ? names : []) : names.filter((n) => n !== '' && !known.includes(n));
  if (added.length === 0) return undefined;
  const image = (n: string) => w.specs.flatMap((s) => s.containers).find((c) => c.name === n)?.image ?? '';
  return {
    summary: `${wrote(record, w)}, adding container${added.length > 1 ? 's' : ''} ${nameList(added)}.`,
    evidence: { kind: w.kind, namespace: w.namespace, name: w.name, added: added.map((n) => ({ name: n, image: image(n) })), known: known ?? null, user: record.user },
  };
});
