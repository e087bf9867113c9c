// Replay of YAML audit documents (#18): some tools export the audit log as YAML, Events (or EventLists)
// separated by `---`. Replay reads each document as what it holds, reports a document that does not parse by
// its line, and gives the same records and findings as the same Events in JSON lines.
// Events: ../shared/corpus (corpusBatch: Falco, Panther and audit2rbac traces).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { openDatabase, type Database } from '#shared/storage';
import { corpusBatch } from '#shared/testing';
import { replay } from '../../services/replay/src/replay.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'kaudit-replay-yaml-'));
const dbs: Database[] = [];
afterAll(async () => {
  for (const db of dbs) await db.close();
});
const fresh = async (name: string) => {
  const db = await openDatabase(path.join(tmp, `${name}.duckdb`));
  dbs.push(db);
  return db;
};
const write = (name: string, text: string | Buffer) => {
  const file = path.join(tmp, name);
  writeFileSync(file, text);
  return file;
};
const events = corpusBatch().items.filter((e) => typeof e === 'object' && e !== null && 'kind' in e);
const findingsOf = async (db: Database) => db.query('SELECT rule_id, audit_id FROM findings ORDER BY rule_id, audit_id');
const recordsOf = async (db: Database) => db.query('SELECT audit_id, verb, request_uri, "user" FROM records ORDER BY audit_id, request_uri');

describe('replay of YAML audit documents', () => {
  it('reads Events separated by --- as the same Events in JSON lines', async () => {
    const asJson = await fresh('json');
    const asYaml = await fresh('yaml');
    const a = await replay({ inputs: [write('events.jsonl', `${events.map((e) => JSON.stringify(e)).join('\n')}\n`)], db: asJson });
    const b = await replay({ inputs: [write('events.yaml', events.map((e) => `---\n${stringify(e)}`).join(''))], db: asYaml });
    expect(a.events).toBeGreaterThan(20);
    // the corpus's malformed fixture ({"kind": 0}) is reported in both
    expect(b.malformed.count).toBe(a.malformed.count);
    expect(b.events).toBe(a.events);
    expect(b.findingsByRule).toEqual(a.findingsByRule);
    expect(await recordsOf(asYaml)).toEqual(await recordsOf(asJson));
    expect(await findingsOf(asYaml)).toEqual(await findingsOf(asJson));
  });

  it('finds YAML by its first line whatever the name, reads an EventList document and gzip, and reports a broken document by its line', async () => {
    const [first, second, third] = events;
    const text = `---\n${stringify(first)}---\nkind: EventList\napiVersion: audit.k8s.io/v1\nitems:\n${stringify([second]).trimEnd().replace(/^/gm, '  ')}\n---\nkind: Event\nverb: [unclosed\n---\n${stringify(third)}`;
    const brokenAt = text.split('\n').findIndex((l) => l === 'verb: [unclosed') + 1;
    for (const file of [write('audit.log', text), write('audit.yaml.gz', gzipSync(text))]) {
      const s = await replay({ inputs: [file], db: await fresh(`mixed-${path.basename(file)}`) });
      expect(s.events).toBe(3);
      expect(s.malformed.count).toBe(1);
      const [reported] = s.malformed.first;
      expect(reported?.startsWith(`${file}:`)).toBe(true);
      // the broken document's lines: its --- marker, kind, the broken line
      const at = /^:(\d+): not valid YAML \(/.exec(reported?.slice(file.length) ?? '');
      expect(Number(at?.[1])).toBeGreaterThanOrEqual(brokenAt - 2);
      expect(Number(at?.[1])).toBeLessThanOrEqual(brokenAt);
    }
  });

  it('takes --format yaml for a file of another name, and keeps JSON lines as they were', async () => {
    const yamlFile = write('export.txt', events.slice(0, 3).map((e) => `${stringify(e)}---\n`).join(''));
    expect((await replay({ inputs: [yamlFile], db: await fresh('explicit'), format: 'yaml' })).events).toBe(3);
    const jsonl = write('plain.log', `${events.slice(0, 3).map((e) => JSON.stringify(e)).join('\n')}\nnot json\n`);
    const s = await replay({ inputs: [jsonl], db: await fresh('jsonl') });
    expect(s.events).toBe(3);
    expect(s.malformed.first).toEqual([`${jsonl}:4: not valid JSON (Unexpected token 'o', "not json" is not valid JSON)`]);
  });
});
