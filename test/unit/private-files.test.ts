// What kaudit keeps on disk is private whatever the umask: the DuckDB file 0600, its staged rows in a 0700
// directory beside it, the embedded bus's logs 0600 in a 0700 directory; staged rows a killed process left
// behind are removed when the database is opened again.
import { mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { allTopics, createEmbeddedBus, topicNames } from '#shared/bus';
import { silentLogger } from '#shared/logging';
import { openDatabase, stagingDirOf } from '#shared/storage';

const mode = (f: string) => statSync(f).mode & 0o777;

describe('private files', () => {
  let umask: number;
  beforeEach(() => {
    umask = process.umask(0o022); // a shell's usual umask: files 0644 unless kaudit says otherwise
  });
  afterEach(() => {
    process.umask(umask);
  });

  it('DuckDB file 0600, staging 0700, and a killed process\'s staged rows removed on open', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kaudit-private-'));
    const file = path.join(dir, 'kaudit.duckdb');
    const staging = stagingDirOf(file);
    mkdirSync(staging);
    writeFileSync(path.join(staging, 'records-7.ndjson'), '{"left":"by a killed process"}\n');
    const db = await openDatabase(file);
    try {
      expect(mode(file)).toBe(0o600);
      expect(db.stagingDir).toBe(staging);
      expect(mode(staging)).toBe(0o700);
      expect(readdirSync(staging)).toEqual([]);
    } finally {
      await db.close();
    }
    expect(existsSync(staging)).toBe(false);
  });

  it('embedded bus logs 0600 in a 0700 directory', async () => {
    const dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'kaudit-private-bus-')), 'bus');
    const topics = topicNames('p.');
    const bus = createEmbeddedBus({ dir, topics: allTopics(topics), logger: silentLogger() });
    await bus.start();
    try {
      await bus.produce(topics.events, [{ key: 'k', value: Buffer.from('{"secret":"x"}') }]);
      expect(mode(dir)).toBe(0o700);
      // a directory per topic, segment files in it
      const topicDirs = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory());
      expect(topicDirs.map((d) => d.name)).toEqual(expect.arrayContaining(allTopics(topics)));
      const files = topicDirs.flatMap((d) => readdirSync(path.join(dir, d.name)).map((f) => path.join(dir, d.name, f)));
      expect(files.length).toBeGreaterThanOrEqual(allTopics(topics).length);
      for (const d of topicDirs) expect(mode(path.join(dir, d.name)), d.name).toBe(0o700);
      for (const f of files) expect(mode(f), f).toBe(0o600);
    } finally {
      await bus.close();
    }
  });
});
