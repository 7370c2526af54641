import test from 'ava';
import { RedisEventService } from '../../../src/index.js';
import { checkedFetch } from '../../helpers/api-contract.js';
import {
  connectRedis,
  metricValue,
  ownRedisEnv,
  publishNumbered,
  startGateway,
} from '../../helpers/gateway.js';
import { openTestSse } from '../../helpers/sse-client.js';
import { withDeadline } from '../../helpers/wait.js';

async function gatewayOnOwnRedis(t: Parameters<typeof startGateway>[0]) {
  const { redis, env } = await ownRedisEnv(t);
  const gateway = await startGateway(t, env);
  const client = await openTestSse(t, `${gateway.url}/api/sse/stream`);
  await client.next((f) => f.event === 'connected');
  return { redis, env, gateway, client };
}

test('Redis going away and coming back: bus state in heartbeats, readyz and metrics; events resume', async (t) => {
  const { redis, env, gateway, client } = await gatewayOnOwnRedis(t);
  await redis.stop();
  const down = await client.next(
    (f) => f.event === 'heartbeat' && JSON.parse(f.data).bus === 'down',
  );
  t.truthy(down);
  const readyWhileDown = await checkedFetch(`${gateway.url}/readyz`);
  t.is(readyWhileDown.status, 200);
  t.like(await readyWhileDown.json(), { bus: { kind: 'redis', status: 'down' } });
  t.is(await metricValue(gateway, 'spoolcast_bus_up'), 0);

  await redis.restart();
  await client.next((f) => f.event === 'heartbeat' && JSON.parse(f.data).bus === 'ok', {
    timeoutMs: 30_000,
  });
  t.is(await metricValue(gateway, 'spoolcast_bus_up'), 1);
  t.true((await metricValue(gateway, 'spoolcast_bus_reconnects_total')) >= 1);

  const producer = connectRedis(t, redis.url);
  await producer.publish(env.SPOOLS_CHANNEL, '{"event_type":"TOMAR","tag_spool":"AFTER"}');
  const update = await client.next((f) => f.event === 'spool_update');
  t.is(JSON.parse(update.data).tag_spool, 'AFTER');
});

test('events stored while the subscriber is cut off are filled in, once each, in order', async (t) => {
  const { redis, env, gateway, client } = await gatewayOnOwnRedis(t);
  const admin = connectRedis(t, redis.url);
  const publisher = new RedisEventService(connectRedis(t, redis.url), {
    keyPrefix: env.REDIS_KEY_PREFIX,
  });
  const total = 300;
  for (let n = 0; n < total; n += 1) {
    // Cut the subscriber off repeatedly while publishing, so some events land in the gaps.
    if (n % 50 === 10) await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
    await publishNumbered(publisher, n, `SPOOL-${n}`);
  }
  const frames = await client.waitForFrames(total, (f) => f.event === 'spool_update', {
    timeoutMs: 60_000,
  });
  t.deepEqual(
    frames.map((f) => JSON.parse(f.data).n),
    Array.from({ length: total }, (_, n) => n),
  );
  t.true((await metricValue(gateway, 'spoolcast_bus_reconnects_total')) >= 1);
  // Barrier: once a later marker has arrived, any duplicate of the above would have too.
  await publisher.publishSpoolUpdate('STATE_CHANGE', 'MARKER', null, 'ARM: x');
  await client.next((f) => f.event === 'spool_update' && JSON.parse(f.data).tag_spool === 'MARKER');
  t.is(client.frames.filter((f) => f.event === 'spool_update').length, total + 1);
});

test('a gateway started while Redis is down becomes ready once Redis is up', async (t) => {
  const { redis, env } = await ownRedisEnv(t);
  await redis.stop();
  const gateway = await startGateway(t, env, { waitReady: false });
  t.is((await checkedFetch(`${gateway.url}/readyz`)).status, 503);
  await redis.restart();
  await withDeadline(gateway.ready, 30_000, 'the pipeline to come up once Redis is up');
  t.is((await checkedFetch(`${gateway.url}/readyz`)).status, 200);
});
