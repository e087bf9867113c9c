import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadIngestConfig, loadStandaloneConfig, loadStoreConfig, parseApiTokens, parseIngestTokens } from '#shared/config';

const ingest = 'KAUDIT_INGEST_TOKENS';

describe('configuration', () => {
  it('uses the documented defaults', () => {
    const c = loadIngestConfig({ [ingest]: 'prod=abcdefghijklmnop0123' });
    expect(c).toMatchObject({ host: '127.0.0.1', port: 8765, bodyLimit: 16 * 1024 * 1024, bus: { kind: 'embedded', topicPrefix: 'kaudit.' } });
    expect(c.bus.kind === 'embedded' && c.bus.dir).toBe(path.resolve('./data/bus'));
    const s = loadStoreConfig({ KAUDIT_API_TOKENS: 'a:admin=abcdefghijklmnop0123' });
    expect(s.port).toBe(8080);
    expect(s.dbFile).toBe(path.resolve('./data/kaudit.duckdb'));
  });

  it('switches to Kafka when KAFKA_BROKERS is set', () => {
    const c = loadIngestConfig({ [ingest]: 'prod=abcdefghijklmnop0123', KAFKA_BROKERS: 'k1:9092, k2:9092', KAUDIT_TOPIC_PREFIX: 'x.' });
    expect(c.bus).toEqual({ kind: 'kafka', brokers: ['k1:9092', 'k2:9092'], topicPrefix: 'x.', partitions: 6, eventsRetentionHours: 168 });
  });

  it('names the variable when a value is invalid', () => {
    expect(() => loadIngestConfig({ [ingest]: 'p=abcdefghijklmnop0123', KAUDIT_INGEST_PORT: 'eighty' })).toThrow(/KAUDIT_INGEST_PORT/);
    expect(() => loadIngestConfig({ [ingest]: 'p=abcdefghijklmnop0123', KAFKA_BROKERS: 'no-port' })).toThrow(/KAFKA_BROKERS/);
    expect(() => loadIngestConfig({})).toThrow(/KAUDIT_INGEST_TOKENS/);
    expect(() => loadIngestConfig({ [ingest]: 'prod=short' })).toThrow(/KAUDIT_INGEST_TOKENS: a token is shorter/);
    expect(() => loadStoreConfig({ KAUDIT_API_TOKENS: 'a:root=abcdefghijklmnop0123' })).toThrow(/KAUDIT_API_TOKENS: role "root"/);
    expect(() => loadIngestConfig({ [ingest]: 'p=abcdefghijklmnop0123', KAUDIT_LOG_LEVEL: 'loud' })).toThrow(/KAUDIT_LOG_LEVEL/);
  });

  it('reads token lists from *_FILE, one per line, with comments', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kaudit-cfg-'));
    const file = path.join(dir, 'tokens');
    writeFileSync(file, '# clusters\nprod=abcdefghijklmnop0123\nstaging=qrstuvwxyz0123456789\n');
    expect(loadIngestConfig({ KAUDIT_INGEST_TOKENS_FILE: file }).tokens.map((t) => t.cluster)).toEqual(['prod', 'staging']);
    expect(() => loadIngestConfig({ KAUDIT_INGEST_TOKENS_FILE: path.join(dir, 'missing') })).toThrow(/KAUDIT_INGEST_TOKENS_FILE/);
  });

  it('parses token lists', () => {
    expect(parseIngestTokens('a=abcdefghijklmnop0123,b=abcdefghijklmnop4567')).toHaveLength(2);
    expect(parseApiTokens('ci:bot:viewer=abcdefghijklmnop0123')).toEqual([{ name: 'ci:bot', role: 'viewer', token: 'abcdefghijklmnop0123' }]);
    expect(() => parseIngestTokens('bad cluster=abcdefghijklmnop0123')).toThrow(/cluster name/);
  });

  it('lets the standalone runner supply generated tokens when none are configured', () => {
    const c = loadStandaloneConfig({}, () => ({
      ingest: [{ cluster: 'default', token: 'g'.repeat(32) }],
      api: [{ name: 'admin', role: 'admin', token: 'h'.repeat(32) }],
    }));
    expect(c.ingest.tokens[0]?.cluster).toBe('default');
    expect(c.store.tokens[0]?.role).toBe('admin');
  });
});

describe('token lists per service', () => {
  it('a service ignores the other service’s token list, even a malformed one', () => {
    expect(loadIngestConfig({ KAUDIT_INGEST_TOKENS: 'prod=abcdefghijklmnop0123', KAUDIT_API_TOKENS: 'garbage' }).tokens).toHaveLength(1);
    expect(loadStoreConfig({ KAUDIT_API_TOKENS: 'a:admin=abcdefghijklmnop0123', KAUDIT_INGEST_TOKENS: 'garbage' }).tokens).toHaveLength(1);
  });
});
