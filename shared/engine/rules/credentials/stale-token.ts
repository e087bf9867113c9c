import { credentialsRule, staleTokenAnnotation } from './helpers.js';

export const staleToken = credentialsRule({ id: 'stale-token', title: 'Stale service account token used', severity: 'medium', mitre: ['T1528', 'T1078.004'] }, ({ record }) => {
  const detail = record.annotations[staleTokenAnnotation];
  if (detail === undefined) return undefined;
  return {
    summary: `${record.user} authenticated with a stale service account token (${detail}).`,
    evidence: { annotation: staleTokenAnnotation, detail, user: record.user, clientIp: record.clientIp },
  };
});
