import type { Logger } from '#shared/logging';

// Shutdown order (STYLE.md §12): stop accepting → finish in-flight work → flush producers →
// commit offsets → close storage. Each component registers its steps under a phase.
export const shutdownPhases = ['stop-accepting', 'drain', 'flush', 'commit', 'close'] as const;
export type ShutdownPhase = (typeof shutdownPhases)[number];

export interface Lifecycle {
  onShutdown(phase: ShutdownPhase, name: string, fn: () => Promise<void>): void;
  shutdown(reason: string): Promise<void>;
  handleSignals(): void;
  readonly stopping: boolean;
}

export function createLifecycle({ logger, exit = (code) => process.exit(code) }: {
  logger: Logger;
  exit?: (code: number) => void;
}): Lifecycle {
  const steps: { phase: ShutdownPhase; name: string; fn: () => Promise<void> }[] = [];
  let running: Promise<void> | undefined;

  const lifecycle: Lifecycle = {
    get stopping() {
      return running !== undefined;
    },
    onShutdown(phase, name, fn) {
      steps.push({ phase, name, fn });
    },
    shutdown(reason) {
      running ??= (async () => {
        logger.info({ reason }, 'shutting down');
        for (const phase of shutdownPhases) {
          // Within a phase, later registrations (outer layers) go first.
          for (const step of steps.filter((s) => s.phase === phase).reverse()) {
            try {
              await step.fn();
              logger.debug({ phase, step: step.name }, 'shutdown step done');
            } catch (err) {
              logger.error({ err, phase, step: step.name }, 'shutdown step failed');
            }
          }
        }
        logger.info('shutdown complete');
      })();
      return running;
    },
    handleSignals() {
      for (const signal of ['SIGINT', 'SIGTERM'] as const) {
        process.once(signal, () => {
          void lifecycle.shutdown(signal).then(() => {
            exit(0);
          });
        });
      }
    },
  };
  return lifecycle;
}

/** Runs a service's start-up; a start-up failure prints one clear line and exits non-zero. */
export function runMain(start: () => Promise<void>): void {
  // Everything a kaudit process writes (bus logs, DuckDB and its WAL, staging files, tokens, keys) holds audit
  // data or credentials: private to its user, whatever the shell's umask.
  process.umask(0o077);
  start().catch((err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`kaudit: ${message}\n`);
    if (!(err instanceof Error && 'code' in err && err.code === 'CONFIG_INVALID') && err instanceof Error && err.stack) {
      process.stderr.write(`${err.stack}\n`);
    }
    process.exit(1);
  });
}
