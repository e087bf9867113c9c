import { credentialsRule, legacyTokenPrefix } from './helpers.js';

export const legacyTokenUsed = credentialsRule({ id: 'legacy-token-used', title: 'Legacy service account token used', severity: 'medium', mitre: ['T1528', 'T1078'] }, ({ record }) => {
  let annotations: Record<string, string> | undefined;
  for (const [key, value] of Object.entries(record.annotations)) {
    if (key !== legacyTokenPrefix && !key.startsWith(`${legacyTokenPrefix}-`)) continue;
    annotations ??= {};
    annotations[key] = value;
  }
  if (annotations === undefined) return undefined;
  const keys = Object.keys(annotations).map((k) => k.slice('authentication.k8s.io/'.length));
  return {
    summary: `${record.user} authenticated with a legacy Secret-based service account token (${keys.join(', ')}).`,
    evidence: { annotations, user: record.user, clientIp: record.clientIp },
  };
});
