/**
 * Runs the BUILT `spoolcast` command (dist/src/cli/spoolcast.js, what package.json "bin"
 * installs) as a child process with only the environment a test gives it (plus PATH).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ExecutionContext } from 'ava';
import { externalProcess } from '../helpers/test-scope.js';
import { once, waitFor } from '../helpers/wait.js';

/** The built command; the tests need `npm run build` first. */
export const SPOOLCAST_BIN = fileURLToPath(
  new URL('../../dist/src/cli/spoolcast.js', import.meta.url),
);

/** What a finished run printed and how it exited. */
export interface SpoolcastRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A running command: its output so far, and its exit. */
export interface SpoolcastProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves when stdout contains `text` (20 s deadline). */
  printed(text: string | RegExp): Promise<void>;
  exited: Promise<SpoolcastRun>;
}

/** Options of a run: environment over PATH, text for stdin, and the exit deadline. */
export interface RunOptions {
  env?: Record<string, string>;
  stdin?: string;
  timeoutMs?: number;
}

/** Starts `spoolcast ...args`; killed on teardown if still running. */
export function spawnSpoolcast(
  t: Pick<ExecutionContext, 'teardown'>,
  args: string[],
  options: RunOptions = {},
): SpoolcastProcess {
  externalProcess('the spoolcast command');
  if (!existsSync(SPOOLCAST_BIN)) throw new Error(`${SPOOLCAST_BIN} is missing: run npm run build`);
  const child = spawn(process.execPath, [SPOOLCAST_BIN, ...args], {
    env: { PATH: process.env.PATH ?? '', ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  child.stdin?.end(options.stdin ?? '');
  const exited = once<[number | null]>(child, 'exit', {
    timeoutMs: options.timeoutMs ?? 30_000,
    message: `spoolcast ${args.join(' ')} to exit`,
  }).then(([code]) => ({ code, stdout, stderr }));
  exited.catch(() => undefined);
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    printed: async (text) => {
      await waitFor(() => (typeof text === 'string' ? stdout.includes(text) : text.test(stdout)), {
        message: `spoolcast ${args.join(' ')} to print ${String(text)}`,
      });
    },
    exited,
  };
}

/** Runs `spoolcast ...args` to its end. */
export function runSpoolcast(
  t: Pick<ExecutionContext, 'teardown'>,
  args: string[],
  options: RunOptions = {},
): Promise<SpoolcastRun> {
  return spawnSpoolcast(t, args, options).exited;
}
