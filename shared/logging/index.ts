import { pino, type Logger } from 'pino';

export type { Logger };

// Anything that may hold a credential is censored at the logger, whatever the caller passes.
const redactPaths = [
  'req.headers.authorization',
  'headers.authorization',
  'authorization',
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

export function createLogger({ level = 'info', name }: { level?: string; name: string }): Logger {
  return pino({
    name,
    level,
    redact: { paths: redactPaths, censor: '[redacted]' },
    base: { service: name },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}

export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
