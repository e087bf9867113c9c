import type { Rule } from '../types.js';
import { staleTokenAnnotation } from './helpers.js';

export const staleToken: Rule = {
  id: 'stale-token',
  title: 'Stale service account token used',
  severity: 'medium',
  category: 'credentials',
  mitre: ['T1528', 'T1078.004'],
  evaluate({ record }) {
    const detail = record.annotations[staleTokenAnnotation];
    if (detail === undefined) return undefined;
    return {
      summary: `${record.user} authenticated with a stale service account token (${detail}).`,
      evidence: { annotation: staleTokenAnnotation, detail, user: record.user, clientIp: record.clientIp },
    };
  },
};
