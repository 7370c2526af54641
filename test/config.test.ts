import test from 'ava';
import { loadConfig } from '../src/config.js';
import { ConfigError } from '../src/errors.js';

test('defaults match the contract and need nothing set', (t) => {
  const config = loadConfig({});
  t.like(config, {
    port: 8000,
    host: '0.0.0.0',
    redisUrl: null,
    spoolsChannel: 'spools:updates',
    redisKeyPrefix: 'spoolcast:',
    pingIntervalMs: 15_000,
    sendTimeoutMs: 30_000,
    maxBufferedBytes: 8_388_608,
    maxEventBytes: 65_536,
    logLevel: 'info',
    historySize: 10_000,
  });
  t.true(config.poolThreads >= 1);
  t.true(Object.isFrozen(config));
});

test('seconds in the environment become milliseconds', (t) => {
  t.is(loadConfig({ SSE_PING_INTERVAL_S: '0.05' }).pingIntervalMs, 50);
});

test('every bad value is reported at once, by name', (t) => {
  const error = t.throws(
    () => loadConfig({ PORT: 'abc', SSE_SEND_TIMEOUT_S: '-1', REDIS_URL: 'http://x' }),
    {
      instanceOf: ConfigError,
    },
  );
  t.is(error?.problems.length, 3);
  t.regex(error?.message ?? '', /PORT/);
  t.regex(error?.message ?? '', /SSE_SEND_TIMEOUT_S/);
  t.regex(error?.message ?? '', /REDIS_URL/);
});

test('an unknown time zone or log level is refused', (t) => {
  t.throws(() => loadConfig({ PLANT_TIME_ZONE: 'Mars/Olympus' }), { message: /PLANT_TIME_ZONE/ });
  t.throws(() => loadConfig({ LOG_LEVEL: 'loud' }), { message: /LOG_LEVEL/ });
});

test('a buffer cap too small to hold a few events is refused', (t) => {
  t.throws(() => loadConfig({ SSE_MAX_BUFFERED_BYTES: '100000', MAX_EVENT_BYTES: '65536' }), {
    message: /SSE_MAX_BUFFERED_BYTES must be at least 4 × MAX_EVENT_BYTES/,
  });
});

test('a bad REDIS_URL is reported without its password', (t) => {
  const error = t.throws(() => loadConfig({ REDIS_URL: 'http://spool:s3cr3t-Pa55@redis:6379' }));
  t.regex(error?.message ?? '', /REDIS_URL must start with redis:\/\//);
  t.notRegex(error?.message ?? '', /s3cr3t-Pa55/);
  t.regex(error?.message ?? '', /spool:\*\*\*@redis/);
});
