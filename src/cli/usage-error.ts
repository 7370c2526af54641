/**
 * Wrong command lines are a value the entry point turns into exit code 2 and a hint to
 * `--help`, never a stack trace.
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';

/** The command line is wrong; `message` says how, in one line. */
export class UsageError extends Error {
  readonly code = 'SPOOLCAST_USAGE';
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** `parseArgs` (strict by default) whose complaints (unknown option, missing value) are UsageErrors. */
export function parseCommandLine<T extends ParseArgsConfig>(
  config: T,
): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_')) {
      throw new UsageError((error as Error).message);
    }
    throw error;
  }
}

/** The value of a required option, or a UsageError naming the option when it is missing or blank. */
export function requireText(value: string | undefined, name: string): string {
  if (value === undefined || value.trim() === '') throw new UsageError(`--${name} is required`);
  return value;
}
