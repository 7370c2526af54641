import test from 'ava';
import { RedisEventService } from '../../src/index.js';
import { PRODUCER_FIELDS } from '../fixtures/producer-message.js';
import { connectRedis, redisEnv, startGateway } from '../helpers/gateway.js';
import { startTestRedis } from '../helpers/redis-server.js';
import { openTestSse } from '../helpers/sse-client.js';

test('publishSpoolUpdate builds the producer JSON, stores it and the stream shows it under its id', async (t) => {
  const env = await redisEnv();
  const gateway = await startGateway(t, env);
  const client = await openTestSse(t, `${gateway.url}/api/sse/stream`);
  await client.next((f) => f.event === 'connected');
  const redis = connectRedis(t, env.REDIS_URL as string);
  const service = new RedisEventService(redis, {
    keyPrefix: env.REDIS_KEY_PREFIX as string,
    now: () => new Date('2026-11-27T17:30:05Z'),
  });
  const result = await service.publishSpoolUpdate(
    'TOMAR',
    'SPOOL-001',
    'MR(93)',
    'ARM: En Progreso',
    {
      operacion: 'ARM',
    },
  );
  if (!result.ok) return t.fail(result.reason);
  const frame = await client.next((f) => f.event === 'spool_update');
  t.is(frame.id, result.id);
  const { spoolcast, ...fields } = JSON.parse(frame.data);
  t.deepEqual(fields, PRODUCER_FIELDS);
  t.is(spoolcast.timestamp, '2026-11-27T14:30:05-03:00');
});

test('an invalid event is refused as a value, not thrown', async (t) => {
  const redis = connectRedis(t, (await redisEnv()).REDIS_URL as string);
  const result = await new RedisEventService(redis).publishSpoolUpdate(
    'tomar',
    'SPOOL-1',
    null,
    'x',
  );
  t.false(result.ok);
  t.regex(result.ok ? '' : result.reason, /invalid_value/);
});

test('against a stopped Redis it reports failure within its timeout', async (t) => {
  const server = await startTestRedis(t, { ownProcess: true });
  const redis = connectRedis(t, server.url);
  await redis.ping();
  await server.stop();
  const result = await new RedisEventService(redis, { timeoutMs: 300 }).publishSpoolUpdate(
    'TOMAR',
    'SPOOL-1',
    null,
    'ARM: x',
  );
  t.false(result.ok);
});

test('a bad option is reported as a value: publishSpoolUpdate never throws', async (t) => {
  const redis = connectRedis(t, (await redisEnv()).REDIS_URL as string);
  const service = new RedisEventService(redis, { timeZone: 'Mars/Olympus' });
  const result = await service.publishSpoolUpdate('TOMAR', 'SPOOL-1', null, 'ARM: x');
  t.false(result.ok);
});

test('each publish is validated once, counted where it happens when given the counter', async (t) => {
  const env = await redisEnv();
  const gateway = await startGateway(t, env);
  const redis = connectRedis(t, env.REDIS_URL);
  const service = new RedisEventService(redis, {
    keyPrefix: env.REDIS_KEY_PREFIX,
    validations: gateway.metrics.validations,
  });
  for (const tag of ['S-1', 'S-2', 'S-3']) {
    const result = await service.publishSpoolUpdate('TOMAR', tag, null, 'ARM: x');
    if (!result.ok) return t.fail(result.reason);
  }
  const counted = await gateway.metrics.validations.get();
  t.like(
    counted.values.find((v) => v.labels.source === 'code'),
    { value: 3 },
  );
});
