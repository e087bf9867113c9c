// The GKE push route's settings (KAUDIT_GKE_*, shared/config/gke-push.ts): what is accepted, and every
// refusal names its variable.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { googleJwksUrl, readGkePush } from '#shared/config';

const base = { KAUDIT_GKE_AUDIENCE: 'https://kaudit.example.com/v1/pubsub', KAUDIT_GKE_PUSH_SERVICE_ACCOUNTS: 'push@p.iam.gserviceaccount.com' };
const dir = mkdtempSync(path.join(os.tmpdir(), 'kaudit-gke-config-'));
const file = (name: string, text: string) => {
  const f = path.join(dir, name);
  writeFileSync(f, text);
  return f;
};

describe('KAUDIT_GKE_* settings', () => {
  it('is off without KAUDIT_GKE_AUDIENCE, and says so when another of its settings is set', () => {
    expect(readGkePush({})).toBeUndefined();
    expect(() => readGkePush({ KAUDIT_GKE_CLUSTER: 'prod' })).toThrow(/KAUDIT_GKE_CLUSTER: is set, but KAUDIT_GKE_AUDIENCE is not/);
  });

  it('verifies against Google’s keys by default, or a JWKS URL, or a JWKS file', () => {
    expect(readGkePush(base)).toEqual({ audience: base.KAUDIT_GKE_AUDIENCE, serviceAccounts: ['push@p.iam.gserviceaccount.com'], jwks: { url: googleJwksUrl }, cluster: undefined });
    expect(readGkePush({ ...base, KAUDIT_GKE_JWKS_URL: 'http://127.0.0.1:9/certs', KAUDIT_GKE_CLUSTER: 'prod' })).toMatchObject({ jwks: { url: 'http://127.0.0.1:9/certs' }, cluster: 'prod' });
    const keys = { keys: [{ kty: 'RSA', kid: 'k', n: 'AQAB', e: 'AQAB' }] };
    expect(readGkePush({ ...base, KAUDIT_GKE_JWKS_FILE: file('jwks.json', JSON.stringify(keys)) })?.jwks).toEqual({ keys });
    expect(readGkePush({ ...base, KAUDIT_GKE_PUSH_SERVICE_ACCOUNTS: 'a@p.iam.gserviceaccount.com, b@q.iam.gserviceaccount.com' })?.serviceAccounts).toEqual(['a@p.iam.gserviceaccount.com', 'b@q.iam.gserviceaccount.com']);
  });

  it.each([
    [{ KAUDIT_GKE_AUDIENCE: base.KAUDIT_GKE_AUDIENCE }, /KAUDIT_GKE_PUSH_SERVICE_ACCOUNTS: the service account\(s\)/],
    [{ ...base, KAUDIT_GKE_PUSH_SERVICE_ACCOUNTS: 'not an email' }, /KAUDIT_GKE_PUSH_SERVICE_ACCOUNTS: "not an email" is not/],
    [{ ...base, KAUDIT_GKE_JWKS_URL: 'http://x/', KAUDIT_GKE_JWKS_FILE: '/x' }, /KAUDIT_GKE_JWKS_URL: set it or KAUDIT_GKE_JWKS_FILE, not both/],
    [{ ...base, KAUDIT_GKE_JWKS_URL: 'ftp://x/' }, /KAUDIT_GKE_JWKS_URL: expected an http\(s\) URL/],
    [{ ...base, KAUDIT_GKE_JWKS_FILE: path.join(dir, 'missing.json') }, /KAUDIT_GKE_JWKS_FILE: cannot read/],
    [{ ...base, KAUDIT_GKE_JWKS_FILE: file('bad.json', 'not json') }, /KAUDIT_GKE_JWKS_FILE: .* is not JSON/],
    [{ ...base, KAUDIT_GKE_JWKS_FILE: file('nokeys.json', '{"kty":"RSA"}') }, /KAUDIT_GKE_JWKS_FILE: .* is no JWKS/],
  ])('refuses %o', (raw, message) => {
    expect(() => readGkePush(raw)).toThrow(message);
  });
});
