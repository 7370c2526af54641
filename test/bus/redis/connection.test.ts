import test from 'ava';
import {
  describeRedisTarget,
  type RedisTarget,
  redact,
  redisTargetOf,
} from '../../../src/bus/redis/connection.js';
import { loadConfig } from '../../../src/config.js';
import { RedisEventService } from '../../../src/publisher/redis-event-service.js';
import { connectRedis } from '../../helpers/gateway.js';
import { sharedRedis, uniquePrefix } from '../../helpers/redis-server.js';

const sentinelTarget: RedisTarget = {
  kind: 'sentinel',
  sentinels: [{ host: 's1', port: 26379 }],
  masterName: 'mymaster',
  username: null,
  password: 'pw-redis',
  sentinelPassword: 'pw-sentinel',
};

test('the config selects a URL, Sentinels or the embedded bus', (t) => {
  t.is(redisTargetOf(loadConfig({})), null);
  t.like(redisTargetOf(loadConfig({ REDIS_URL: 'redis://r:1' })), {
    kind: 'url',
    url: 'redis://r:1',
  });
  t.like(redisTargetOf(loadConfig({ REDIS_SENTINELS: 's1:26379', REDIS_PASSWORD: 'pw' })), {
    kind: 'sentinel',
    masterName: 'mymaster',
    password: 'pw',
  });
});

test('descriptions and error messages never carry a password', (t) => {
  t.is(describeRedisTarget(sentinelTarget), 'sentinel master "mymaster" via s1:26379');
  const url: RedisTarget = {
    kind: 'url',
    url: 'redis://app:s3cret@r:6379/0',
    username: null,
    password: null,
  };
  t.is(describeRedisTarget(url), 'redis://app:***@r:6379/0');
  t.is(
    redact(sentinelTarget, 'WRONGPASS pw-redis / pw-sentinel at redis://u:x@h'),
    'WRONGPASS *** / *** at redis://u:***@h',
  );
});

test('the publisher with replicaAcks reports a publish no replica confirmed', async (t) => {
  const server = await sharedRedis();
  const redis = connectRedis(t, server.url);
  // Connected first: the 200 ms deadline is for the WAIT, not for connecting on a busy machine.
  await redis.ping();
  const publisher = new RedisEventService(redis, {
    keyPrefix: uniquePrefix('acks'),
    replicaAcks: 1,
    timeoutMs: 200,
  });
  const result = await publisher.publishSpoolUpdate('TOMAR', 'SPOOL-1', null, 'ARM: x');
  t.false(result.ok);
  t.regex(result.ok ? '' : result.reason, /only 0 of 1 replicas confirmed/);
});
