import { field, isObj, str } from '../objects.js';
import { fromJsonPatch, isWorkloadWrite, podSpecsOf, workloadResourceOf, workloadWrite } from './pod-spec.js';
import { workloadRule, actor, containerRef, nameList, ephemeralOf } from './helpers.js';

/**
 * `kubectl debug`: an update/patch of pods/ephemeralcontainers (fires at level Metadata too), or a write
 * whose request document itself carries ephemeralContainers. Only the request counts there: a stored Pod
 * keeps the ephemeral containers added earlier, so every later update's responseObject would show them.
 */
export const ephemeralContainer = workloadRule({ id: 'ephemeral-container', title: 'Ephemeral container added to a pod', severity: 'medium', mitre: ['T1609', 'T1610'] }, ({ record, event }) => {
  if (!isWorkloadWrite(record, event)) return undefined;
  const res = workloadResourceOf(record);
  if (!res) return undefined;
  const request = isObj(event.requestObject) ? event.requestObject : Array.isArray(event.requestObject) ? fromJsonPatch(event.requestObject) : undefined;
  const requested = request ? ephemeralOf(podSpecsOf(res, request)) : [];
  const viaSubresource = record.subresource === 'ephemeralcontainers';
  if (!viaSubresource && requested.length === 0) return undefined;
  const written = viaSubresource && requested.length === 0 ? ephemeralOf(workloadWrite(record, event)?.specs ?? []) : requested;
  const containers = written.map((c) => ({ ...containerRef(c), targetContainerName: str(c.spec.targetContainerName) ?? null }));
  const pod = `${record.namespace ?? ''}/${record.name ?? str(field(request, 'metadata', 'name')) ?? ''}`;
  const names = containers.length > 0 ? ` ${nameList(containers.map((c) => c.name))}` : '';
  return {
    summary: `${actor(record)} added ephemeral container(s)${names} to ${res.kind} ${pod}.`,
    evidence: { via: viaSubresource ? 'pods/ephemeralcontainers' : 'pod spec', containers },
  };
});
