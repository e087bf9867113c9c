import { pino, type Logger } from 'pino';

export type { Logger };

// Anything that may hold a credential is censored at the logger, whatever the caller passes.
const redactPaths = [
  'req.headers.authorization',
  'headers.authorization',
  'authorization',
  // Amazon Data Firehose's access key (ingest's /v1/firehose)
  'req.headers["x-amz-firehose-access-key"]',
  'headers["x-amz-firehose-access-key"]',
  'token',
  '*.token',
  'tokens',
  '*.tokens',
  'password',
  '*.password',
  'secret',
  '*.secret',
  'data',
  'stringData',
  '*.data',
  '*.stringData',
];

/** JSON lines on stdout (services), or on stderr for CLIs whose stdout is their output (`stderr: true`). */
export function createLogger({ level = 'info', name, stderr = false }: { level?: string; name: string; stderr?: boolean }): Logger {
  const options = {
    name,
    level,
    redact: { paths: redactPaths, censor: '[redacted]' },
    base: { service: name },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  return stderr ? pino(options, pino.destination(2)) : pino(options);
}

export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
