import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import {
  connectRedis,
  metricValue,
  redisEnv,
  spoolEvent,
  startGateway,
} from '../helpers/gateway.js';
import { openTestSse, type SseClient } from '../helpers/sse-client.js';
import { waitFor } from '../helpers/wait.js';

const faultyWorker = fileURLToPath(new URL('../fixtures/faulty.worker.mjs', import.meta.url));

// The deadline is generous except where a hang is the point: a replacement thread's start-up
// counts against it, and on a loaded CI machine that can take a while.
async function faultyGateway(
  t: Parameters<typeof startGateway>[0],
  taskTimeoutMs = 30_000,
  threads = 2,
) {
  const env = await redisEnv();
  const gateway = await startGateway(
    t,
    { ...env, POOL_THREADS: String(threads), POOL_TASK_TIMEOUT_MS: String(taskTimeoutMs) },
    { workerFile: faultyWorker },
  );
  const client = await openTestSse(t, `${gateway.url}/api/sse/stream`);
  await client.next((f) => f.event === 'connected');
  const producer = connectRedis(t, env.REDIS_URL as string);
  // One pipeline so the messages arrive together and share pool batches.
  const publishAll = (payloads: string[]) => {
    const batch = producer.pipeline();
    for (const payload of payloads) batch.publish(env.SPOOLS_CHANNEL as string, payload);
    return batch.exec();
  };
  return { gateway, client, publishAll };
}

const numbersOf = (frames: { data: string }[]) => frames.map((f) => JSON.parse(f.data).n);
const isUpdate = (f: { event: string }) => f.event === 'spool_update';
/** Every update once event `n` (the last expected) has arrived. */
const updatesThrough = (client: SseClient, n: number) =>
  client.framesThrough((f) => isUpdate(f) && JSON.parse(f.data).n === n, isUpdate);

test('a worker killed mid-batch loses nothing and keeps the order', async (t) => {
  const { gateway, client, publishAll } = await faultyGateway(t);
  const marker = join(mkdtempSync(join(tmpdir(), 'spoolcast-')), 'crashed');
  const payloads = Array.from({ length: 40 }, (_, n) =>
    spoolEvent(n, n === 17 ? { crash_once: marker } : {}),
  );
  await publishAll(payloads);
  const frames = await updatesThrough(client, 39);
  t.deepEqual(
    numbersOf(frames),
    Array.from({ length: 40 }, (_, n) => n),
  );
  t.true(
    (await metricValue(gateway, 'spoolcast_pool_task_failures_total', { kind: 'crash' })) >= 1,
  );
});

for (const threads of [1, 2]) {
  test(`${threads} thread(s): a hung worker is stopped at the deadline; the rest of its batch arrives in order`, async (t) => {
    const { gateway, client, publishAll } = await faultyGateway(t, 3000, threads);
    await publishAll([spoolEvent(1), spoolEvent(2, { fault: 'hang' }), spoolEvent(3)]);
    const frames = await updatesThrough(client, 3);
    t.deepEqual(numbersOf(frames), [1, 3]);
    t.true(
      (await metricValue(gateway, 'spoolcast_pool_task_failures_total', { kind: 'timeout' })) >= 1,
    );
    // Only the hanging message is dead-lettered, not the ones that waited behind it.
    const letters = await waitFor(
      async () => {
        const rows = await gateway.store.readDeadLetters(10);
        return rows.length > 0 && rows;
      },
      { message: 'the hanging message in the dead-letter store' },
    );
    t.is(letters.length, 1);
    t.like(letters[0], { reason: 'worker_failure' });
    t.is(JSON.parse(letters[0]?.payload ?? '{}').n, 2);
  });
}

test('a message that kills workers every time is dead-lettered alone', async (t) => {
  const { gateway, client, publishAll } = await faultyGateway(t);
  const payloads = Array.from({ length: 20 }, (_, n) =>
    spoolEvent(n, n === 5 ? { fault: 'crash' } : {}),
  );
  await publishAll(payloads);
  const frames = await updatesThrough(client, 19);
  t.deepEqual(
    numbersOf(frames),
    Array.from({ length: 20 }, (_, n) => n).filter((n) => n !== 5),
  );
  const letters = await waitFor(
    async () => {
      const rows = await gateway.store.readDeadLetters(10);
      return rows.length > 0 && rows;
    },
    { message: 'the poison message in the dead-letter store' },
  );
  t.is(letters.length, 1);
  t.like(letters[0], { reason: 'worker_failure' });
  t.is(JSON.parse(letters[0]?.payload ?? '{}').n, 5);
  t.is(
    await metricValue(gateway, 'spoolcast_events_rejected_total', {
      reason: 'worker_failure',
      source: 'redis',
    }),
    1,
  );
});
