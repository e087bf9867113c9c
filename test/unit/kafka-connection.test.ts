// The Kafka connection's TLS and SASL settings as npm start reads them from the environment: what each
// combination gives, and a clear error, naming the variable, for each one that cannot work. (The broker side,
// a real SASL_SSL and mutual-TLS broker, is test/integration/kafka-security.test.ts.)
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { commonConfig, parseEnv } from '#shared/config';
import { connectionOptions } from '#shared/bus';

const dir = mkdtempSync(path.join(os.tmpdir(), 'kaudit-kafka-conn-'));
const file = (name: string, text: string) => {
  const f = path.join(dir, name);
  writeFileSync(f, text, { mode: 0o600 });
  return f;
};
const ca = file('ca.pem', '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
const cert = file('client.pem', '-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----\n');
const key = file('client.key', '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n');
const notPem = file('not.pem', 'hello');
const passwordFile = file('password', 's3cret-from-file\n');

const brokers = { KAFKA_BROKERS: 'kafka-1.example:9093' };
const connection = (env: Record<string, string>) => {
  const bus = commonConfig(parseEnv(env)).bus;
  return bus.kind === 'kafka' ? bus.connection : undefined;
};
const refusal = (env: Record<string, string>): string => {
  try {
    commonConfig(parseEnv(env));
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('the configuration was accepted');
};

describe('the Kafka connection’s TLS and SASL', () => {
  it('is plain TCP without any setting, as before', () => {
    expect(connection(brokers)).toBeUndefined();
    expect(connectionOptions(undefined)).toEqual({});
  });

  it('turns TLS on with KAFKA_TLS alone (Node’s CAs) or with a CA file, and adds a client certificate for mutual TLS', () => {
    expect(connection({ ...brokers, KAFKA_TLS: 'true' })).toEqual({ tls: {} });
    expect(connection({ ...brokers, KAFKA_TLS_CA_FILE: ca })?.tls?.ca).toContain('BEGIN CERTIFICATE');
    const mtls = connection({ ...brokers, KAFKA_TLS_CA_FILE: ca, KAFKA_TLS_CERT_FILE: cert, KAFKA_TLS_KEY_FILE: key });
    expect(mtls?.tls?.cert).toContain('MIIC');
    expect(mtls?.tls?.key).toContain('PRIVATE KEY');
    // the certificate is checked against the CAs, always
    expect(connectionOptions(mtls).ssl).toMatchObject({ rejectUnauthorized: true, cert: mtls?.tls?.cert });
  });

  it('takes SASL with each mechanism, the password from the variable or a file (its trailing newline dropped)', () => {
    for (const mechanism of ['plain', 'SCRAM-SHA-256', 'scram-sha-512']) {
      const c = connection({ ...brokers, KAFKA_TLS: 'true', KAFKA_SASL_MECHANISM: mechanism, KAFKA_SASL_USERNAME: 'kaudit', KAFKA_SASL_PASSWORD: 's3cret' });
      expect(c?.sasl).toEqual({ mechanism: mechanism.toLowerCase(), username: 'kaudit', password: 's3cret' });
      expect(connectionOptions(c).sasl).toEqual({ mechanism: mechanism.toLowerCase(), username: 'kaudit', password: 's3cret' });
    }
    expect(connection({ ...brokers, KAFKA_TLS: 'true', KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: '$ConnectionString', KAFKA_SASL_PASSWORD_FILE: passwordFile })?.sasl?.password).toBe('s3cret-from-file');
    // SCRAM never sends the password: allowed without TLS (SASL_PLAINTEXT)
    expect(connection({ ...brokers, KAFKA_SASL_MECHANISM: 'scram-sha-256', KAFKA_SASL_USERNAME: 'kaudit', KAFKA_SASL_PASSWORD: 's3cret' })).toEqual({ sasl: { mechanism: 'scram-sha-256', username: 'kaudit', password: 's3cret' } });
  });

  it('refuses what cannot work, naming the variable and never quoting the password', () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ ...brokers, KAFKA_TLS_CA_FILE: path.join(dir, 'missing.pem') }, /KAFKA_TLS_CA_FILE: cannot read .*missing\.pem/],
      [{ ...brokers, KAFKA_TLS_CA_FILE: notPem }, /KAFKA_TLS_CA_FILE: .* holds no PEM certificate/],
      [{ ...brokers, KAFKA_TLS_CERT_FILE: cert }, /KAFKA_TLS_KEY_FILE: a client certificate needs both/],
      [{ ...brokers, KAFKA_TLS_KEY_FILE: key }, /KAFKA_TLS_CERT_FILE: a client certificate needs both/],
      [{ ...brokers, KAFKA_TLS_CERT_FILE: cert, KAFKA_TLS_KEY_FILE: cert }, /KAFKA_TLS_KEY_FILE: .* holds no PEM private key/],
      [{ ...brokers, KAFKA_TLS: 'false', KAFKA_TLS_CA_FILE: ca }, /KAFKA_TLS: is false, but KAFKA_TLS_\*_FILE is set/],
      [{ ...brokers, KAFKA_SASL_MECHANISM: 'gssapi' }, /KAFKA_SASL_MECHANISM: one of plain, scram-sha-256, scram-sha-512/],
      [{ ...brokers, KAFKA_SASL_USERNAME: 'kaudit', KAFKA_SASL_PASSWORD: 'p4ss-in-error?' }, /KAFKA_SASL_MECHANISM: is needed/],
      [{ ...brokers, KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_PASSWORD: 'p4ss-in-error?' }, /KAFKA_SASL_USERNAME: is needed/],
      [{ ...brokers, KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'kaudit' }, /KAFKA_SASL_PASSWORD: is needed/],
      [{ ...brokers, KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'kaudit', KAFKA_SASL_PASSWORD: 'p4ss-in-error?', KAFKA_SASL_PASSWORD_FILE: passwordFile }, /KAFKA_SASL_PASSWORD: set it or KAFKA_SASL_PASSWORD_FILE, not both/],
      [{ ...brokers, KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'kaudit', KAFKA_SASL_PASSWORD: 'p4ss-in-error?' }, /KAFKA_SASL_MECHANISM: plain sends the password as it is: it needs KAFKA_TLS=true/],
      [{ KAFKA_TLS: 'true' }, /KAFKA_TLS: is set, but KAFKA_BROKERS is not/],
      [{ KAFKA_SASL_MECHANISM: 'scram-sha-256', KAFKA_SASL_USERNAME: 'kaudit', KAFKA_SASL_PASSWORD: 'p4ss-in-error?' }, /KAFKA_SASL_MECHANISM: is set, but KAFKA_BROKERS is not/],
    ];
    for (const [env, reason] of cases) {
      const message = refusal(env);
      expect(message, JSON.stringify(env)).toMatch(reason);
      expect(message).toMatch(/^invalid configuration: /);
      expect(message).not.toContain('p4ss-in-error?');
    }
  });
});
