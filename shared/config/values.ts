import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { errorCodes, errorMessage, KauditError } from '#shared/errors';

// How single settings are read, for every reader of the environment (env.ts, kafka-connection.ts,
// aks-source.ts, eks-source.ts, gke-push.ts): one error wording, one boolean text, one broker list, one way to read a file a setting names.

/** A setting's text, trimmed; blank or absent: undefined. */
export function setting(raw: Record<string, string | undefined>, name: string): string | undefined {
  const v = raw[name];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

/**
 * The setting that switches a feature on (`main`), or undefined when it is off; a setting of the feature
 * (`dependents`) given without it is a mistake, named with what `main` is (`what`).
 */
export function switchedOn(raw: Record<string, string | undefined>, main: string, dependents: readonly string[], what: string): string | undefined {
  const value = setting(raw, main);
  if (value !== undefined) return value;
  const first = dependents.find((n) => setting(raw, n) !== undefined);
  if (first !== undefined) throw configError(first, `is set, but ${main} is not (${what})`);
  return undefined;
}

export function configError(variable: string, message: string): KauditError {
  return new KauditError(errorCodes.config, `invalid configuration: ${variable}: ${message}`);
}

export const boolText = z.enum(['true', 'false', '1', '0', 'yes', 'no']);
export const isTrue = (v: string) => v === 'true' || v === '1' || v === 'yes';
/** A switch whose absence means something of its own (undefined). */
export const optionalBool = boolText.optional().transform((v) => (v === undefined ? undefined : isTrue(v)));

/** `host:port,host:port` (spaces around entries allowed); blank or absent: undefined. */
export const brokerList = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.split(',').map((b) => b.trim())))
  .refine((v) => v === undefined || v.every((b) => /^[^\s:]+:\d+$/.test(b)), 'expected host:port,host:port');

/** The text of the file `variable` names; an unreadable file is a configuration error naming both. */
export function readConfigFile(variable: string, file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw configError(variable, `cannot read ${file}: ${errorMessage(err)}`);
  }
}

const pemKinds = { certificate: /-----BEGIN CERTIFICATE-----/, 'private key': /-----BEGIN [A-Z ]*PRIVATE KEY-----/ } as const;

/** The PEM file `variable` names, which must hold a `kind`. */
export function readPemFile(variable: string, file: string, kind: keyof typeof pemKinds): string {
  const text = readConfigFile(variable, file);
  if (!pemKinds[kind].test(text)) throw configError(variable, `${file} holds no PEM ${kind}`);
  return text;
}
