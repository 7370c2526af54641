import { readFileSync } from 'node:fs';
import test from 'ava';
import { loadConfig } from '../../src/config.js';
import { startService } from '../../src/service.js';
import { checkedFetch } from '../helpers/api-contract.js';
import { captureLogs } from '../helpers/captured-logs.js';
import {
  connectRedis,
  metricValue,
  ownRedisEnv,
  spoolEvent,
  startGateway,
  TEST_ENV,
  testWorkerFile,
} from '../helpers/gateway.js';
import { startTestRedis, uniquePrefix } from '../helpers/redis-server.js';
import { openTestSse } from '../helpers/sse-client.js';
import { waitFor, withDeadline } from '../helpers/wait.js';

const isBus = (bus: string) => (f: { event: string; data: string }) =>
  f.event === 'heartbeat' && JSON.parse(f.data).bus === bus;

test('a frozen Redis turns every screen to "down" at the next probes, logged once; it comes back when Redis answers', async (t) => {
  const { redis, env } = await ownRedisEnv(t);
  const logs = captureLogs('info');
  const gateway = await startGateway(
    t,
    { ...env, SSE_PING_INTERVAL_S: '1' },
    { logger: logs.logger },
  );
  const client = await openTestSse(t, `${gateway.url}/api/sse/stream`);
  await client.next((f) => f.event === 'connected');
  redis.freeze();
  t.teardown(() => redis.thaw());
  // Deadline 2 s per probe, one probe a second: down well within this wait.
  await client.next(isBus('down'), { timeoutMs: 30_000 });
  t.is(await metricValue(gateway, 'spoolcast_bus_up'), 0);
  t.is(
    (await checkedFetch(`${gateway.url}/readyz`)).status,
    200,
    'a stalled Redis does not fail readiness',
  );
  redis.thaw();
  await client.next(isBus('ok'), { timeoutMs: 30_000 });
  t.is(await metricValue(gateway, 'spoolcast_bus_up'), 1);
  t.is(logs.matching(/did not answer the health probe/).length, 1, 'logged once');
  const producer = connectRedis(t, redis.url);
  await producer.publish(env.SPOOLS_CHANNEL, spoolEvent(7));
  const update = await client.next((f) => f.event === 'spool_update');
  t.is(JSON.parse(update.data).n, 7);
});

test('a subscriber drop is counted and logged with its cause', async (t) => {
  const { redis, env } = await ownRedisEnv(t);
  const logs = captureLogs('info');
  const gateway = await startGateway(t, env, { logger: logs.logger });
  const admin = connectRedis(t, redis.url);
  await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
  await waitFor(
    async () =>
      (await metricValue(gateway, 'spoolcast_subscriber_drops_total', {
        cause: 'closed_by_server',
      })) === 1,
    { message: 'the drop to be counted' },
  );
  t.like(logs.matching('redis subscriber lost its connection')[0], { cause: 'closed_by_server' });
});

test('with the shipped redis.conf, oversized PUBLISHes cost only their producer: no good plain PUBLISH is lost', async (t) => {
  // The two directives that protect subscribers, read from the file operators deploy.
  const conf = readFileSync(new URL('../../k8s/redis/redis.conf', import.meta.url), 'utf8');
  const args = conf
    .split('\n')
    .filter((line) => /^(proto-max-bulk-len|client-output-buffer-limit) /.test(line))
    .flatMap((line) => {
      const [name, ...values] = line.trim().split(/\s+/);
      return [`--${name}`, ...values];
    });
  t.true(args.includes('--proto-max-bulk-len'));
  const { redis, env } = await ownRedisEnv(t, { args });
  const gateway = await startGateway(t, env);
  const client = await openTestSse(t, `${gateway.url}/api/sse/stream`);
  await client.next((f) => f.event === 'connected');
  const producer = connectRedis(t, redis.url);
  const huge = 'x'.repeat(10 * 1024 * 1024);
  for (let n = 0; n < 14; n += 1) {
    await producer.publish(env.SPOOLS_CHANNEL, spoolEvent(n));
    if (n % 3 === 0) {
      // A fresh connection each time: Redis closes the offender's connection.
      const offender = connectRedis(t, redis.url);
      await t.throwsAsync(offender.publish(env.SPOOLS_CHANNEL, huge), {
        message: /bulk length|Protocol error/i,
      });
    }
  }
  const isLast = (f: { event: string; data: string }) =>
    f.event === 'spool_update' && JSON.parse(f.data).n === 13;
  const updates = await client.framesThrough(isLast, (f) => f.event === 'spool_update', {
    timeoutMs: 60_000,
  });
  t.deepEqual(
    updates.map((f) => JSON.parse(f.data).n),
    [...Array(14).keys()],
  );
  t.is(
    await metricValue(gateway, 'spoolcast_subscriber_drops_total', { cause: 'closed_by_server' }),
    0,
  );
  t.is(await metricValue(gateway, 'spoolcast_bus_reconnects_total'), 0);
});

test('a refused password is logged once at error with the reason, and no output at trace level shows it', async (t) => {
  const password = 'Sp00l-s3cret-9f2c';
  const redis = await startTestRedis(t, { args: ['--requirepass', password] });
  const logs = captureLogs('trace');
  const prefix = uniquePrefix();
  const wrongUrl = `redis://:${password}-wrong@127.0.0.1:${redis.port}`;
  const config = loadConfig({
    ...TEST_ENV,
    REDIS_URL: wrongUrl,
    REDIS_KEY_PREFIX: prefix,
    LOG_LEVEL: 'trace',
  });
  const workerFile = testWorkerFile();
  const service = await startService(config, {
    logger: logs.logger,
    defaultMetrics: false,
    ...(workerFile ? { workerFile } : {}),
  });
  t.teardown(() => service.stop());
  const admin = connectRedis(t, `redis://:${password}@127.0.0.1:${redis.port}`);
  // Several refused attempts, seen from Redis's side.
  const connections = async () =>
    Number(/total_connections_received:(\d+)/.exec(await admin.info('stats'))?.[1] ?? 0);
  await waitFor(async () => (await connections()) >= 6, {
    timeoutMs: 30_000,
    message: 'at least five refused connection attempts',
  });
  const refused = logs.matching('redis refused the credentials');
  t.is(refused.length, 1);
  t.like(refused[0], { level: 50 });
  t.regex(String(refused[0]?.reason), /WRONGPASS/);
  const metrics = await (await checkedFetch(`${service.url}/metrics`)).text();
  for (const text of [...logs.lines, metrics]) t.false(text.includes(password), text.slice(0, 200));
  await withDeadline(service.stop(), 20_000, 'the gateway to stop');
});
