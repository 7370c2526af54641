/** `spoolcast serve` is the gateway process: npm start runs it, with main.ts's exit codes and drain. */
import { readFileSync } from 'node:fs';
import test from 'ava';
import { getFreePort } from '../helpers/free-port.js';
import { waitFor } from '../helpers/wait.js';
import { runSpoolcast, spawnSpoolcast } from './spoolcast-process.js';

test('npm start runs the built spoolcast serve, which package.json installs as the spoolcast bin', (t) => {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  t.is(manifest.scripts.start, 'node dist/src/cli/spoolcast.js serve');
  t.is(manifest.scripts.prestart, 'npm run build --silent');
  t.deepEqual(manifest.bin, { spoolcast: 'dist/src/cli/spoolcast.js' });
  t.true(
    readFileSync(new URL('../../dist/src/cli/spoolcast.js', import.meta.url), 'utf8').startsWith(
      '#!/usr/bin/env node\n',
    ),
  );
});

test('a bad setting stops serve with 78 and one line naming it, secrets redacted', async (t) => {
  const run = await runSpoolcast(t, ['serve'], {
    env: { PORT: 'eighty', REDIS_URL: 'http://u:pw-123456@h' },
  });
  t.is(run.code, 78);
  t.regex(
    run.stderr,
    /^spoolcast: invalid configuration: PORT must be a whole number, got "eighty"; REDIS_URL must start with redis:\/\/ or rediss:\/\/, got "http:\/\/u:\*\*\*@h"\n$/,
  );
});

test('serve answers, and drains then exits 0 on SIGTERM', async (t) => {
  const port = await getFreePort();
  const env = {
    PORT: String(port),
    HOST: '127.0.0.1',
    POOL_THREADS: '1',
    DRAIN_DELAY_S: '0',
    SHUTDOWN_DRAIN_S: '0',
  };
  const serve = spawnSpoolcast(t, ['serve'], { env, timeoutMs: 60_000 });
  await waitFor(
    async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => null))?.status === 200,
    {
      timeoutMs: 60_000,
      message: 'spoolcast serve to become ready',
    },
  );
  serve.child.kill('SIGTERM');
  const { code, stdout } = await serve.exited;
  t.is(code, 0);
  t.regex(stdout, /"msg":"drained"/);
});

test('serve takes no options: anything else is a usage error, exit 2', async (t) => {
  const run = await runSpoolcast(t, ['serve', '--port', '80']);
  t.is(run.code, 2);
  t.regex(run.stderr, /Unknown option '--port'/);
});
