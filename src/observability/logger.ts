/** The process logger: pino, JSON lines on stdout. Only main.ts creates one. */
import { type DestinationStream, type Logger, pino } from 'pino';
import { redactError, redactSecrets } from './redact.js';

export type { Logger };

/**
 * Creates the logger at `level` (default info), writing to `destination` (default stdout).
 * Every level is redacted the same way: errors lose URL passwords and credential-bearing
 * command arguments, messages lose URL passwords, and fields named like secrets are hidden.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'spoolcast' },
      serializers: {
        err: (error: Error) => redactError(pino.stdSerializers.err(error) as never),
      },
      redact: {
        paths: [
          ...['password', 'url', 'redisUrl', 'token', 'authorization', 'cookie'],
          ...['*.password', '*.url', '*.redisUrl', '*.token', '*.authorization', '*.cookie'],
        ],
        censor: (value) => (typeof value === 'string' ? redactSecrets(value) : '[redacted]'),
      },
      hooks: {
        logMethod(args, method) {
          const scrubbed = args.map((arg) => (typeof arg === 'string' ? redactSecrets(arg) : arg));
          method.apply(this, scrubbed as Parameters<typeof method>);
        },
      },
    },
    destination,
  );
}

/** A logger that writes nothing, for tests and library use. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
