import test from 'ava';
import { redisNames } from '../../src/bus/redis/names.js';
import { connectRedis, redisEnv, spoolEvent, startGateway } from '../helpers/gateway.js';
import { openTestSse, type SseFrame } from '../helpers/sse-client.js';

test('three gateways on one Redis store each plain PUBLISH once and give their clients the same events, ids and order', async (t) => {
  const env = await redisEnv();
  const gateways = await Promise.all([1, 2, 3].map(() => startGateway(t, env)));
  const clients = await Promise.all(gateways.map((g) => openTestSse(t, `${g.url}/api/sse/stream`)));
  await Promise.all(clients.map((c) => c.next((f) => f.event === 'connected')));
  const producer = connectRedis(t, env.REDIS_URL as string);
  // Identical messages on purpose: each is its own event, stored once.
  const payloads = [spoolEvent(1), spoolEvent(2), spoolEvent(1), spoolEvent(3), spoolEvent(1)];
  for (const payload of payloads) await producer.publish(env.SPOOLS_CHANNEL as string, payload);
  // A fence after them: once it arrived, everything before it has too, duplicates included.
  await producer.publish(env.SPOOLS_CHANNEL, spoolEvent(9));
  const isFence = (f: SseFrame) => f.event === 'spool_update' && JSON.parse(f.data).n === 9;
  const seen = await Promise.all(
    clients.map((c) => c.framesThrough(isFence, (f) => f.event === 'spool_update')),
  );
  const [fromA, fromB, fromC] = seen.map((frames) =>
    frames.map((f) => `${f.id} ${JSON.parse(f.data).n}`),
  );
  t.deepEqual(fromA, fromB);
  t.deepEqual(fromA, fromC);
  t.deepEqual(
    fromA?.map((line) => Number(line.split(' ')[1])),
    [1, 2, 1, 3, 1, 9],
  );
  t.is(await producer.xlen(redisNames(env.REDIS_KEY_PREFIX).events), payloads.length + 1);
});

test('a burst of 10,000 events reaches every client complete and in order', async (t) => {
  const env = await redisEnv();
  const gateway = await startGateway(t, { ...env, POOL_THREADS: '2' });
  const clients = await Promise.all(
    Array.from({ length: 3 }, () => openTestSse(t, `${gateway.url}/api/sse/stream`)),
  );
  await Promise.all(clients.map((c) => c.next((f) => f.event === 'connected')));
  const producer = connectRedis(t, env.REDIS_URL as string);
  const total = 10_000;
  const pipeline = producer.pipeline();
  for (let n = 0; n < total; n += 1) pipeline.publish(env.SPOOLS_CHANNEL as string, spoolEvent(n));
  await pipeline.exec();
  const isLast = (f: SseFrame) => f.event === 'spool_update' && JSON.parse(f.data).n === total - 1;
  for (const client of clients) {
    const frames = await client.framesThrough(isLast, (f) => f.event === 'spool_update', {
      timeoutMs: 120_000,
    });
    const numbers = frames.map((f) => JSON.parse(f.data).n);
    t.deepEqual(
      numbers,
      Array.from({ length: total }, (_, n) => n),
    );
  }
});
