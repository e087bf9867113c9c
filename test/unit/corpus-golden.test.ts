// What the engine makes of every native event of the corpus, held to a committed snapshot: per event its
// rule ids and a digest of its record, findings and redacted event, in corpus order through one engine (so
// stateful rules see the whole sequence). A change to speed or structure must leave this file as it is; a
// change meant to alter records or findings updates it (`npx vitest run --project unit -u`) and says why.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createEngine, createRedactor } from '#shared/engine';
import { corpusNativeEvents, envelopeOf } from '#shared/testing';

const digest = (v: unknown) => createHash('sha256').update(JSON.stringify(v)).digest('hex').slice(0, 16);

function corpusOutcomes(): string {
  const engine = createEngine({ redact: createRedactor(Buffer.from('corpus-golden-redaction-key-0123456789')) });
  const lines = corpusNativeEvents().map((e, i) => {
    const { record, findings, event } = engine.analyze(envelopeOf(e, `c${String(i % 3)}`));
    const rules = findings.map((f) => f.ruleId).sort().join(',') || '-';
    return `${String(i).padStart(3, '0')} ${record.auditId.slice(0, 40)} ${record.stage} ${digest({ record, findings, event })} ${rules}`;
  });
  return `${lines.join('\n')}\n`;
}

describe('the corpus through the engine', () => {
  it('gives the same records, findings and redacted events as the committed snapshot', async () => {
    const first = corpusOutcomes();
    expect(corpusOutcomes()).toBe(first); // deterministic: a second engine gives the same
    expect(first.split('\n').filter((l) => !l.endsWith(' -') && l !== '').length).toBeGreaterThan(50);
    await expect(first).toMatchFileSnapshot('__snapshots__/corpus-golden.txt');
  });
});
