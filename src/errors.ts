/**
 * Real failures carry a stable `code` (modelled on undici's errors). Bad input is not an
 * error here: it is a value (`ParseResult`), counted and dead-lettered.
 */

/** Base class: `code` is stable and safe to match on; `cause` keeps the underlying error. */
export class SpoolcastError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** One or more settings are invalid; `problems` names each variable. */
export class ConfigError extends SpoolcastError {
  readonly problems: readonly string[];
  constructor(problems: string[]) {
    super('SPOOLCAST_CONFIG', `invalid configuration: ${problems.join('; ')}`);
    this.problems = problems;
  }
}

/** A pool task failed for a reason other than bad data (worker crash, deadline). */
export class PoolTaskError extends SpoolcastError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SPOOLCAST_POOL_TASK', message, options);
  }
}
