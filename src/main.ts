/**
 * The gateway process (`node dist/src/main.js`: the image's CMD and the test helpers'
 * child): the same as `spoolcast serve` (src/cli/serve-command.ts), which owns config →
 * logger → service → drain on SIGTERM/SIGINT and the exit codes (78 for a bad setting).
 */
import { serve } from './cli/serve-command.js';

const code = await serve(process.env, process);
if (code !== undefined) process.exitCode = code;
