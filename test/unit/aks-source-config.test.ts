// The AKS source's settings (KAUDIT_AKS_*) and its cluster attribution from a diagnostic record's resourceId.
// (The source itself, against a real SASL_SSL broker, is test/integration/aks-source.test.ts.)
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { aksClusterOf, readAksSource } from '#shared/config';

const dir = mkdtempSync(path.join(os.tmpdir(), 'kaudit-aks-conf-'));
const connectionString = 'Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=listen;SharedAccessKey=c2VjcmV0';
const connectionFile = path.join(dir, 'conn');
writeFileSync(connectionFile, `${connectionString}\n`);
const base = { KAUDIT_AKS_BROKERS: 'ns.servicebus.windows.net:9093', KAUDIT_AKS_TOPIC: 'aks-audit', KAUDIT_AKS_CONNECTION_STRING: connectionString };

describe('the AKS source’s settings', () => {
  it('is off without KAUDIT_AKS_BROKERS, and reads the hub as Event Hubs’ Kafka endpoint wants it', () => {
    expect(readAksSource({})).toBeUndefined();
    expect(readAksSource(base)).toEqual({
      brokers: ['ns.servicebus.windows.net:9093'],
      topic: 'aks-audit',
      groupId: 'kaudit-aks',
      connection: { tls: {}, sasl: { mechanism: 'plain', username: '$ConnectionString', password: connectionString } },
      cluster: undefined,
    });
    const fromFile = readAksSource({ ...base, KAUDIT_AKS_CONNECTION_STRING: undefined, KAUDIT_AKS_CONNECTION_STRING_FILE: connectionFile, KAUDIT_AKS_GROUP: 'g', KAUDIT_AKS_CLUSTER: 'prod-eu' });
    expect(fromFile?.connection.sasl?.password).toBe(connectionString);
    expect(fromFile?.groupId).toBe('g');
    expect(fromFile?.cluster).toBe('prod-eu');
  });

  it('refuses what cannot work, naming the variable and never quoting the connection string', () => {
    const cases: [Record<string, string | undefined>, RegExp][] = [
      [{ KAUDIT_AKS_TOPIC: 'aks-audit' }, /KAUDIT_AKS_TOPIC: is set, but KAUDIT_AKS_BROKERS is not/],
      [{ ...base, KAUDIT_AKS_BROKERS: 'ns.servicebus.windows.net' }, /KAUDIT_AKS_BROKERS: expected host:port/],
      [{ ...base, KAUDIT_AKS_TOPIC: undefined }, /KAUDIT_AKS_TOPIC: the event hub/],
      [{ ...base, KAUDIT_AKS_CONNECTION_STRING: undefined }, /KAUDIT_AKS_CONNECTION_STRING: a connection string/],
      [{ ...base, KAUDIT_AKS_CONNECTION_STRING_FILE: connectionFile }, /set it or KAUDIT_AKS_CONNECTION_STRING_FILE, not both/],
      [{ ...base, KAUDIT_AKS_CONNECTION_STRING: undefined, KAUDIT_AKS_CONNECTION_STRING_FILE: path.join(dir, 'missing') }, /KAUDIT_AKS_CONNECTION_STRING_FILE: cannot read/],
      [{ ...base, KAUDIT_AKS_TLS_CA_FILE: connectionFile }, /KAUDIT_AKS_TLS_CA_FILE: .* holds no PEM certificate/],
    ];
    for (const [env, reason] of cases) {
      let message = '';
      try {
        readAksSource(env);
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message, JSON.stringify(env)).toMatch(reason);
      expect(message).not.toContain('c2VjcmV0');
    }
  });

  it('names the managed cluster of a resourceId, in lower case, and nothing for anything else', () => {
    expect(aksClusterOf('/SUBSCRIPTIONS/BFC31CC5/RESOURCEGROUPS/KUBEAUDITLOGTEST/PROVIDERS/MICROSOFT.CONTAINERSERVICE/MANAGEDCLUSTERS/KUBETEST')).toBe('kubetest');
    expect(aksClusterOf('/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/Prod-EU/')).toBe('prod-eu');
    for (const other of [undefined, 42, '', '/subscriptions/s/resourceGroups/rg', '/subscriptions/s/providers/Microsoft.ContainerService/managedClusters/a/agentPools/b']) {
      expect(aksClusterOf(other), String(other)).toBeUndefined();
    }
  });
});
