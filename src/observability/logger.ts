/** The process logger: pino, JSON lines on stdout. Only main.ts creates one. */
import { type Logger, pino } from 'pino';

export type { Logger };

/** Creates the logger at `level` (default info). */
export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'spoolcast' } });
}

/** A logger that writes nothing, for tests and library use. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
