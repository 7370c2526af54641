/**
 * A real pino logger (the service's own configuration) whose JSON lines are kept in
 * memory, so tests can assert what was logged and what never was (secrets).
 */
import { createLogger, type Logger } from '../../src/observability/logger.js';

/** A logger at `level` and the lines it wrote, as text and parsed. */
export interface CapturedLogs {
  logger: Logger;
  /** Every line written so far, raw. */
  readonly lines: string[];
  /** Parsed lines whose `msg` matches. */
  matching(msg: string | RegExp): Record<string, unknown>[];
}

/** Creates the capture. */
export function captureLogs(level = 'trace'): CapturedLogs {
  const lines: string[] = [];
  const logger = createLogger(level, { write: (line: string) => lines.push(line) });
  return {
    logger,
    lines,
    matching(msg) {
      return lines
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .filter((entry) =>
          typeof msg === 'string' ? entry.msg === msg : msg.test(String(entry.msg)),
        );
    },
  };
}
