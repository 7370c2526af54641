import { fileURLToPath } from 'node:url';
import test from 'ava';
import { createWorkerPool } from '../../src/pipeline/worker-pool.js';
import { testWorkerFile } from '../helpers/gateway.js';

const workerOption = () => {
  const filename = testWorkerFile();
  return filename ? { filename } : {};
};

test('a pool whose worker cannot load refuses to warm up instead of reporting ready', async (t) => {
  const missing = fileURLToPath(new URL('../fixtures/no-such.worker.mjs', import.meta.url));
  const pool = createWorkerPool({ threads: 1, taskTimeoutMs: 5000, filename: missing });
  t.teardown(() => pool.close());
  await t.throwsAsync(() => pool.warm(), { message: /failed to start/ });
});

test('close lets a task in flight finish instead of failing it (shutdown drains the pool)', async (t) => {
  const pool = createWorkerPool({ threads: 1, taskTimeoutMs: 5000, ...workerOption() });
  await pool.warm();
  const payloads = Array.from({ length: 50 }, (_, n) =>
    JSON.stringify({ event_type: 'TOMAR', tag_spool: `SPOOL-${n}` }),
  );
  const running = pool.run({ maxEventBytes: 65_536, timeZone: 'America/Santiago', payloads });
  const closed = pool.close();
  const results = await running;
  await closed;
  t.is(results.length, 50);
  t.true(results.every((r) => r.ok));
});
