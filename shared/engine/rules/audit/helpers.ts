import { type AuditEvent, type NormalizedRecord } from '#shared/contracts';
import { sha256Hex } from '../../ids.js';
import { rulesOf } from '../types.js';

/** The constructor of this folder's rules (the category is stated here, once). */
export const auditRule = rulesOf('audit');

// Audit integrity (README "Detection rules"). Events expire by themselves (the API server's --event-ttl, an etcd lease),
// so no component needs to delete them; the namespace controller and the garbage collector do when a
// namespace or an owner goes, and they are control-plane identities.

export const deletes = new Set(['delete', 'deletecollection']);

export function isEventsResource(record: NormalizedRecord): boolean {
  if (record.resource !== 'events' || record.subresource !== null) return false;
  // Core v1 Events and events.k8s.io Events are the same objects served twice. Trimmed events without a
  // requestURI name no group ('' here) and count as core.
  return record.apiGroup === '' || record.apiGroup === 'events.k8s.io';
}

// kube-apiserver copies a client's `Audit-ID` header into `auditID`, for any client; it generates a UUID
// otherwise. An ID that is long or holds characters no generator uses was chosen to be noticed — or not.
export const maxAuditIdLength = 128;

export const plainAuditId = /^[A-Za-z0-9._:-]*$/;

/** What a client cannot make two requests share (the same at every stage of one request). */
export function requestFingerprint(event: AuditEvent): string {
  return sha256Hex(event.verb ?? '', event.requestURI ?? '', event.user?.username ?? '', event.requestReceivedTimestamp ?? '').slice(0, 16);
}
