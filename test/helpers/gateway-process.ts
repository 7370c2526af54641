/**
 * Runs the real service as a child process (`node dist/src/main.js`, or the source under
 * tsx when not built), for tests that need a process to die: SIGTERM drain, SIGKILL.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ExecutionContext } from 'ava';
import { checkResponse } from './api-contract.js';
import { getFreePort } from './free-port.js';
import { externalProcess } from './test-scope.js';
import { once, waitFor } from './wait.js';

const compiled = fileURLToPath(new URL('../../dist/src/main.js', import.meta.url));
const source = fileURLToPath(new URL('../../src/main.ts', import.meta.url));
// `npm start` runs the compiled file; without a build the source runs under tsx.
const command = existsSync(compiled) ? [compiled] : ['--import', 'tsx', source];

/** A service process and what it printed. */
export interface GatewayProcess {
  child: ChildProcess;
  url: string;
  exited: Promise<[number | null, NodeJS.Signals | null]>;
  output(): string;
}

/** Spawns the service with `env` (PATH only otherwise); killed on teardown. */
export function spawnService(
  t: Pick<ExecutionContext, 'teardown'>,
  env: Record<string, string>,
  port = 0,
) {
  externalProcess('the service as a child process');
  const child = spawn(process.execPath, command, {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = once<[number | null, NodeJS.Signals | null]>(child, 'exit', {
    timeoutMs: 120_000,
    message: 'the service process to exit',
  });
  exited.catch(() => undefined);
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return { child, url: `http://127.0.0.1:${port}`, exited, output: () => output };
}

/** Spawns the service on a free port and waits until /readyz answers 200. */
export async function startServiceProcess(
  t: Pick<ExecutionContext, 'teardown'>,
  env: Record<string, string>,
): Promise<GatewayProcess> {
  const port = await getFreePort();
  const running = spawnService(
    t,
    { HOST: '127.0.0.1', POOL_THREADS: '1', ...env, PORT: String(port) },
    port,
  );
  await waitFor(
    async () => {
      const response = await fetch(`${running.url}/readyz`).catch(() => null);
      if (response) await checkResponse('GET', `${running.url}/readyz`, response);
      return response?.status === 200;
    },
    { timeoutMs: 60_000, intervalMs: 100, message: 'the service process to become ready' },
  );
  return running;
}
