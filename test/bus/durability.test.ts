import test from 'ava';
import type { Redis } from 'ioredis';
import { RedisEventService } from '../../src/index.js';
import { connectRedis, ownRedisEnv, startGateway } from '../helpers/gateway.js';
import { startServiceProcess } from '../helpers/gateway-process.js';
import { startTestRedis, uniquePrefix } from '../helpers/redis-server.js';
import { startResumingClient } from '../helpers/resuming-client.js';
import { once, withDeadline } from '../helpers/wait.js';

// Publishes event n until it is acknowledged. The idempotency key makes a retry after an
// unclear failure (stored, but the answer was lost) return the first id instead of a copy.
async function publishUntilStored(
  redis: Redis,
  publisher: RedisEventService,
  n: number,
): Promise<string> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const result = await publisher.publishSpoolUpdate(
      'STATE_CHANGE',
      `SPOOL-${n % 9}`,
      null,
      'ARM: x',
      { n },
      {
        idempotencyKey: `event-${n}`,
      },
    );
    if (result.ok) return result.id;
    // Wait for the connection to come back (a signal), unless it is up and merely timed out.
    if (redis.status !== 'ready')
      await once(redis, 'ready', { timeoutMs: 30_000, message: 'redis to come back' });
  }
  throw new Error(`event ${n} was never acknowledged`);
}

const numbersOf = (frames: { data: string }[]) => frames.map((f) => JSON.parse(f.data).n as number);
const range = (count: number) => Array.from({ length: count }, (_, n) => n);

test('Redis killed and restarted with AOF while events are published: every acknowledged event reaches every client once, in order', async (t) => {
  const redis = await startTestRedis(t, {
    args: ['--appendonly', 'yes', '--appendfsync', 'always'],
  });
  const prefix = uniquePrefix();
  const gateway = await startGateway(t, {
    REDIS_URL: redis.url,
    SPOOLS_CHANNEL: `${prefix}spools`,
    REDIS_KEY_PREFIX: prefix,
  });
  const clients = await Promise.all(
    [1, 2].map(() => startResumingClient(t, [`${gateway.url}/api/sse/stream`])),
  );
  const producer = connectRedis(t, redis.url);
  const publisher = new RedisEventService(producer, { keyPrefix: prefix, timeoutMs: 500 });
  const total = 200;
  let restarting: Promise<void> | null = null;
  for (let n = 0; n < total; n += 1) {
    if (n === 80) {
      await redis.kill();
      restarting = redis.restart();
    }
    await publishUntilStored(producer, publisher, n);
  }
  await withDeadline(restarting ?? Promise.resolve(), 30_000, 'redis to restart');
  for (const client of clients) {
    await client.waitUntil((c) => c.updates().length >= total, `${total} updates`);
    t.deepEqual(numbersOf(client.updates()), range(total));
    t.false(
      client.frames.some((f) => f.event === 'resync'),
      'AOF kept the history: no resync',
    );
  }
});

test('a gateway killed with SIGKILL mid-stream: its clients resume on another replica and miss nothing', async (t) => {
  const { redis, env } = await ownRedisEnv(t);
  const [doomed, survivor] = await Promise.all([
    startServiceProcess(t, env),
    startServiceProcess(t, env),
  ]);
  const urls = [`${doomed.url}/api/sse/stream`, `${survivor.url}/api/sse/stream`];
  const clients = await Promise.all([1, 2, 3].map(() => startResumingClient(t, urls)));
  const producer = connectRedis(t, redis.url);
  const publisher = new RedisEventService(producer, { keyPrefix: env.REDIS_KEY_PREFIX });
  const total = 150;
  for (let n = 0; n < total; n += 1) {
    if (n === 60) {
      // Wait until the clients are mid-stream on the doomed gateway, then kill it outright.
      for (const client of clients)
        await client.waitUntil((c) => c.updates().length >= 30, '30 updates');
      doomed.child.kill('SIGKILL');
      await doomed.exited;
    }
    await publishUntilStored(producer, publisher, n);
  }
  for (const client of clients) {
    await client.waitUntil((c) => c.updates().length >= total, `${total} updates`);
    t.deepEqual(numbersOf(client.updates()), range(total));
    t.true(client.connections >= 2, 'the client reconnected');
  }
});
