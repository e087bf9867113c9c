import { z } from 'zod';
import { configError as invalid, optionalBool, readConfigFile, readPemFile } from './values.js';

// How kaudit connects to Kafka beyond the brokers' addresses: TLS (a CA of its own, a client certificate
// for mutual TLS) and SASL (PLAIN, SCRAM-SHA-256/512), as managed Kafka services ask. Read once from the
// environment; files are read here, so a missing or unreadable one stops the start with the variable's name.

export const saslMechanisms = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;
export type SaslMechanism = (typeof saslMechanisms)[number];

export interface KafkaConnection {
  /** TLS to the brokers; PEM texts (no `ca`: Node's own CAs; no `cert`/`key`: no client certificate) */
  tls?: { ca?: string; cert?: string; key?: string };
  sasl?: { mechanism: SaslMechanism; username: string; password: string };
}

export const kafkaConnectionEnv = z.object({
  /** TLS to the brokers; on by itself when a KAFKA_TLS_*_FILE is set */
  KAFKA_TLS: optionalBool,
  KAFKA_TLS_CA_FILE: z.string().min(1).optional(),
  KAFKA_TLS_CERT_FILE: z.string().min(1).optional(),
  KAFKA_TLS_KEY_FILE: z.string().min(1).optional(),
  KAFKA_SASL_MECHANISM: z
    .string()
    .optional()
    .transform((v) => (v === undefined || v === '' ? undefined : v.toLowerCase()))
    .pipe(z.enum(saslMechanisms, { error: `one of ${saslMechanisms.join(', ')}` }).optional()),
  KAFKA_SASL_USERNAME: z.string().min(1).optional(),
  KAFKA_SASL_PASSWORD: z.string().min(1).optional(),
  KAFKA_SASL_PASSWORD_FILE: z.string().min(1).optional(),
});
export type KafkaConnectionEnv = z.infer<typeof kafkaConnectionEnv>;

/** The TLS and SASL settings of the Kafka connection; undefined when neither is asked for. */
export function kafkaConnection(env: KafkaConnectionEnv): KafkaConnection | undefined {
  const files = env.KAFKA_TLS_CA_FILE !== undefined || env.KAFKA_TLS_CERT_FILE !== undefined || env.KAFKA_TLS_KEY_FILE !== undefined;
  if (env.KAFKA_TLS === false && files) throw invalid('KAFKA_TLS', 'is false, but KAFKA_TLS_*_FILE is set');
  if ((env.KAFKA_TLS_CERT_FILE === undefined) !== (env.KAFKA_TLS_KEY_FILE === undefined)) {
    throw invalid(env.KAFKA_TLS_CERT_FILE === undefined ? 'KAFKA_TLS_CERT_FILE' : 'KAFKA_TLS_KEY_FILE', 'a client certificate needs both KAFKA_TLS_CERT_FILE and KAFKA_TLS_KEY_FILE');
  }
  const tlsOn = env.KAFKA_TLS ?? files;
  const tls = tlsOn
    ? {
        ...(env.KAFKA_TLS_CA_FILE === undefined ? {} : { ca: readPemFile('KAFKA_TLS_CA_FILE', env.KAFKA_TLS_CA_FILE, 'certificate') }),
        ...(env.KAFKA_TLS_CERT_FILE === undefined ? {} : { cert: readPemFile('KAFKA_TLS_CERT_FILE', env.KAFKA_TLS_CERT_FILE, 'certificate') }),
        ...(env.KAFKA_TLS_KEY_FILE === undefined ? {} : { key: readPemFile('KAFKA_TLS_KEY_FILE', env.KAFKA_TLS_KEY_FILE, 'private key') }),
      }
    : undefined;

  const mechanism = env.KAFKA_SASL_MECHANISM;
  const credentials = env.KAFKA_SASL_USERNAME !== undefined || env.KAFKA_SASL_PASSWORD !== undefined || env.KAFKA_SASL_PASSWORD_FILE !== undefined;
  if (mechanism === undefined) {
    if (credentials) throw invalid('KAFKA_SASL_MECHANISM', `is needed with KAFKA_SASL_USERNAME/PASSWORD: one of ${saslMechanisms.join(', ')}`);
    return tls === undefined ? undefined : { tls };
  }
  if (env.KAFKA_SASL_USERNAME === undefined) throw invalid('KAFKA_SASL_USERNAME', `is needed with KAFKA_SASL_MECHANISM=${mechanism}`);
  if (env.KAFKA_SASL_PASSWORD !== undefined && env.KAFKA_SASL_PASSWORD_FILE !== undefined) throw invalid('KAFKA_SASL_PASSWORD', 'set it or KAFKA_SASL_PASSWORD_FILE, not both');
  // a trailing newline (echo, most secret mounts) is not part of the password
  const password = env.KAFKA_SASL_PASSWORD_FILE === undefined ? env.KAFKA_SASL_PASSWORD : readConfigFile('KAFKA_SASL_PASSWORD_FILE', env.KAFKA_SASL_PASSWORD_FILE).replace(/\r?\n$/, '');
  if (password === undefined || password === '') throw invalid('KAFKA_SASL_PASSWORD', `is needed with KAFKA_SASL_MECHANISM=${mechanism} (or KAFKA_SASL_PASSWORD_FILE)`);
  // PLAIN sends the password itself: never over a connection anyone on the path can read
  if (mechanism === 'plain' && tls === undefined) throw invalid('KAFKA_SASL_MECHANISM', 'plain sends the password as it is: it needs KAFKA_TLS=true');
  return { ...(tls === undefined ? {} : { tls }), sasl: { mechanism, username: env.KAFKA_SASL_USERNAME, password } };
}
