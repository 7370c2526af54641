/**
 * Dispatches `spoolcast <command> [options]` to its subcommand: the top-level help, `--help`
 * on every subcommand, `--version`, and usage errors as exit code 2 with a hint.
 */
import { checkConfigCommand } from './check-config-command.js';
import type { CliContext, Command } from './cli-context.js';
import { EXIT_OK, EXIT_USAGE } from './exit-codes.js';
import { packageVersion } from './package-version.js';
import { publishCommand } from './publish-command.js';
import { serveCommand } from './serve-command.js';
import { tailCommand } from './tail-command.js';
import { tokenCommand } from './token-command.js';
import { UsageError } from './usage-error.js';

/** Every subcommand, in the order the help lists them. */
export const COMMANDS: readonly Command[] = [
  serveCommand,
  checkConfigCommand,
  publishCommand,
  tailCommand,
  tokenCommand,
];

/** The top-level help: the subcommands, the shared options and the exit codes. */
export function topLevelHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  const list = COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n');
  return `Usage: spoolcast <command> [options]

The spoolcast gateway and the tools around it (docs/cli.md).

Commands:
${list}

Run 'spoolcast <command> --help' for a command's options. Where a command talks to a
gateway, --url names it (default http://localhost:8000); where it talks to Redis, --redis.

Options:
  -h, --help     this help
  -v, --version  the package version

Exit codes: 0 ok, 1 failure or problems found, 2 usage error, 78 bad configuration (serve).
`;
}

/** True when `args` asks for help before any `--` (which ends the options). */
export function wantsHelp(args: readonly string[]): boolean {
  const end = args.indexOf('--');
  return (end === -1 ? args : args.slice(0, end)).some((arg) => arg === '--help' || arg === '-h');
}

/**
 * Runs the command line `argv` (without node and the script); resolves to the exit code, or
 * `undefined` when the command keeps running and ends the process itself (`serve`).
 */
export async function runCli(
  argv: readonly string[],
  context: CliContext,
): Promise<number | undefined> {
  const [name, ...rest] = argv;
  if (name === '--help' || name === '-h') {
    context.stdout.write(topLevelHelp());
    return EXIT_OK;
  }
  if (name === '--version' || name === '-v') {
    context.stdout.write(`${packageVersion()}\n`);
    return EXIT_OK;
  }
  if (name === 'help') {
    const command = COMMANDS.find((c) => c.name === rest[0]);
    context.stdout.write(command?.help ?? topLevelHelp());
    return command !== undefined || rest.length === 0 ? EXIT_OK : EXIT_USAGE;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (command === undefined) {
    const what = name === undefined ? 'no command given' : `unknown command "${name}"`;
    context.stderr.write(`spoolcast: ${what}\n\n${topLevelHelp()}`);
    return EXIT_USAGE;
  }
  if (wantsHelp(rest)) {
    context.stdout.write(command.help);
    return EXIT_OK;
  }
  try {
    return await command.run(rest, context);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    context.stderr.write(
      `spoolcast ${command.name}: ${error.message}\nRun 'spoolcast ${command.name} --help' for usage.\n`,
    );
    return EXIT_USAGE;
  }
}
