/**
 * What a subcommand may touch: the environment it was given, its output streams and stdin.
 * Only the entry point (spoolcast.ts) builds one from `process`; tests of the pure parts
 * never need one.
 */

/** A writable text sink (process.stdout, process.stderr). */
export interface TextOutput {
  write(text: string): unknown;
  /** True on a terminal: `tail` colours its lines only there. */
  readonly isTTY?: boolean;
}

/** The process seen by a subcommand. */
export interface CliContext {
  /** The environment (settings, SPOOLCAST_TOKEN, AUTH_*, NO_COLOR); never written. */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: TextOutput;
  readonly stderr: TextOutput;
  /** Standard input, read by `publish -`. */
  readonly stdin: AsyncIterable<Uint8Array | string>;
}

/** A subcommand: its name, one line for the top-level help, its own help, and its run. */
export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly help: string;
  /**
   * Runs with the arguments after the subcommand's name; resolves to the exit code, or to
   * `undefined` when the command keeps the process alive and ends it itself (`serve`).
   */
  run(args: readonly string[], context: CliContext): Promise<number | undefined>;
}
