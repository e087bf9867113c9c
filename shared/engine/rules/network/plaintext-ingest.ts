import { minute } from '../state-helpers.js';
import { networkRule } from './helpers.js';

export const plaintextIngest = networkRule({ id: 'plaintext-ingest', title: 'Audit events received over plain HTTP', severity: 'medium', mitre: ['T1040'], scope: 'stream' }, ({ record, state }) => {
  if (record.transportTls) return undefined;
  // once per cluster and hour (of receipt): the channel is the finding, not each event
  const hour = Math.floor(Date.parse(record.receivedAt) / (60 * minute));
  const key = `plaintext-ingest|${record.cluster}`;
  if (state.get<number>(key) === hour) return undefined;
  state.set(key, hour);
  return {
    summary: `kaudit received audit events of cluster ${record.cluster} over plain HTTP: the audit stream is not encrypted.`,
    evidence: { cluster: record.cluster, hour: new Date(hour * 60 * minute).toISOString() },
  };
});
