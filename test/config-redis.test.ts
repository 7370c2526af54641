import { inspect } from 'node:util';
import test from 'ava';
import { loadConfig } from '../src/config.js';
import { ConfigError } from '../src/errors.js';

const SENTINEL_ENV = {
  REDIS_SENTINELS: 's1.redis:26379, 10.0.0.7:26380,[::1]:26381',
  REDIS_SENTINEL_MASTER: 'plant',
  REDIS_PASSWORD: 'hunter2-redis',
  REDIS_SENTINEL_PASSWORD: 'hunter2-sentinel',
};

test('REDIS_SENTINELS selects Sentinel: addresses parsed, master named, one replica ack by default', (t) => {
  const config = loadConfig(SENTINEL_ENV);
  t.deepEqual(config.redisSentinels, [
    { host: 's1.redis', port: 26379 },
    { host: '10.0.0.7', port: 26380 },
    { host: '::1', port: 26381 },
  ]);
  t.is(config.redisSentinelMaster, 'plant');
  t.is(config.redisUrl, null);
  t.is(config.publishReplicaAcks, 1);
  t.is(config.redisPassword, 'hunter2-redis');
});

test('PUBLISH_REPLICA_ACKS defaults to 0 with REDIS_URL and may be set explicitly', (t) => {
  t.is(loadConfig({ REDIS_URL: 'redis://r:6379' }).publishReplicaAcks, 0);
  t.is(
    loadConfig({ REDIS_URL: 'redis://r:6379', PUBLISH_REPLICA_ACKS: '2' }).publishReplicaAcks,
    2,
  );
  t.is(loadConfig({ ...SENTINEL_ENV, PUBLISH_REPLICA_ACKS: '0' }).publishReplicaAcks, 0);
});

test('passwords never appear in JSON, inspect output or error messages', (t) => {
  const config = loadConfig(SENTINEL_ENV);
  for (const text of [
    JSON.stringify(config),
    inspect(config),
    inspect(config, { showHidden: false }),
  ]) {
    t.false(text.includes('hunter2'), text);
  }
  const error = t.throws(
    () =>
      loadConfig({ ...SENTINEL_ENV, REDIS_URL: 'http://user:hunter2-url@r', REDIS_SENTINELS: 'x' }),
    { instanceOf: ConfigError },
  );
  t.false(error?.message.includes('hunter2'), error?.message);
  t.regex(
    error?.message ?? '',
    /REDIS_URL must start with redis:\/\/ or rediss:\/\/, got "http:\/\/user:\*\*\*@r"/,
  );
  t.regex(error?.message ?? '', /REDIS_SENTINELS must be a comma-separated list of host:port/);
});

test('REDIS_URL and REDIS_SENTINELS together, or replica acks without Redis, are refused', (t) => {
  t.throws(() => loadConfig({ REDIS_URL: 'redis://r', REDIS_SENTINELS: 'a:1' }), {
    message: /REDIS_URL and REDIS_SENTINELS are both set/,
  });
  t.throws(() => loadConfig({ PUBLISH_REPLICA_ACKS: '1' }), {
    message: /PUBLISH_REPLICA_ACKS needs/,
  });
});

test('SSE_MAX_CLIENTS defaults to 0 (unlimited); SHUTDOWN_DRAIN_S to 10 s', (t) => {
  const config = loadConfig({});
  t.is(config.maxClients, 0);
  t.is(config.shutdownDrainMs, 10_000);
  t.is(loadConfig({ SSE_MAX_CLIENTS: '50', SHUTDOWN_DRAIN_S: '0.5' }).maxClients, 50);
  t.throws(() => loadConfig({ SSE_MAX_CLIENTS: '-1' }), { message: /SSE_MAX_CLIENTS/ });
});
