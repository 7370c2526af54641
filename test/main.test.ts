import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import test, { type ExecutionContext } from 'ava';
import { getFreePort } from './helpers/free-port.js';
import { openTestSse } from './helpers/sse-client.js';
import { once, waitFor } from './helpers/wait.js';

const compiled = fileURLToPath(new URL('../dist/src/main.js', import.meta.url));
const source = fileURLToPath(new URL('../src/main.ts', import.meta.url));
// `npm start` runs the compiled file; without a build the source runs under tsx.
const command = existsSync(compiled) ? [compiled] : ['--import', 'tsx', source];

function startProcess(t: ExecutionContext, env: Record<string, string>) {
  const child = spawn(process.execPath, command, {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = once<[number | null]>(child, 'exit', {
    timeoutMs: 60_000,
    message: 'the process to exit',
  });
  exited.catch(() => undefined);
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  return { child, exited, output: () => output };
}

test('a bad setting stops start-up with a message naming it', async (t) => {
  const run = startProcess(t, { PORT: 'eighty', SSE_PING_INTERVAL_S: 'often' });
  const [code] = await run.exited;
  t.is(code, 78);
  t.regex(run.output(), /PORT must be a whole number/);
  t.regex(run.output(), /SSE_PING_INTERVAL_S/);
});

test('with no REDIS_URL the service runs on the embedded bus, serves events and drains on SIGTERM', async (t) => {
  const port = await getFreePort();
  const run = startProcess(t, { PORT: String(port), HOST: '127.0.0.1', POOL_THREADS: '1' });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    async () => {
      const response = await fetch(`${url}/readyz`).catch(() => null);
      return response?.status === 200;
    },
    { timeoutMs: 60_000, intervalMs: 100, message: 'readyz to answer 200' },
  );
  t.regex(run.output(), /embedded in-process bus/);
  const client = await openTestSse(t, `${url}/api/sse/stream`);
  await client.next((f) => f.event === 'connected');
  const posted = await fetch(`${url}/api/events`, {
    method: 'POST',
    body: '{"event_type":"TOMAR","tag_spool":"SPOOL-9"}',
  });
  t.is(posted.status, 202);
  const update = await client.next((f) => f.event === 'spool_update');
  t.is(JSON.parse(update.data).tag_spool, 'SPOOL-9');
  run.child.kill('SIGTERM');
  const [code] = await run.exited;
  t.is(code, 0);
  await client.closed;
});
