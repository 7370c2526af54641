#!/usr/bin/env node
/**
 * The `spoolcast` command (package.json "bin"): the only place that hands the process's
 * environment, streams and exit code to the CLI.
 */
import { redactSecrets } from '../observability/redact.js';
import type { CliContext } from './cli-context.js';
import { EXIT_FAILURE } from './exit-codes.js';
import { runCli } from './run-cli.js';

const context: CliContext = {
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
  // A getter: stdin is opened only by the command that reads it (`publish -`).
  get stdin() {
    return process.stdin;
  },
};

// `spoolcast tail | head -3`: a reader that went away is the end of the output, not a crash.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

try {
  const code = await runCli(process.argv.slice(2), context);
  if (code !== undefined) process.exitCode = code;
} catch (error) {
  process.stderr.write(`spoolcast: ${redactSecrets(String((error as Error).stack ?? error))}\n`);
  process.exitCode = EXIT_FAILURE;
}
