import { fileURLToPath } from 'node:url';
import test from 'ava';
import { createWorkerPool } from '../../src/pipeline/worker-pool.js';

test('a pool whose worker cannot load refuses to warm up instead of reporting ready', async (t) => {
  const missing = fileURLToPath(new URL('../fixtures/no-such.worker.mjs', import.meta.url));
  const pool = createWorkerPool({ threads: 1, taskTimeoutMs: 5000, filename: missing });
  t.teardown(() => pool.close());
  await t.throwsAsync(() => pool.warm(), { message: /failed to start/ });
});
