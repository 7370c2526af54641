import test from 'ava';
import { parseAnnouncement, redisNames } from '../../../src/bus/redis/names.js';
import { runStore, withScripts } from '../../../src/bus/redis/scripts.js';
import { type PreparedEvent, prepareEvent } from '../../../src/domain/prepare-event.js';
import { connectRedis, redisEnv } from '../../helpers/gateway.js';

// A patch Redis's Lua JSON decoder refuses: a lone surrogate escape (the issue-7 case)
// and plain garbage. Either way the script must write nothing at all.
const UNDECODABLE = ['{"worker_nombre":"\\ud800"}', 'not json'];

const prepared = (payload: string): PreparedEvent => {
  const result = prepareEvent(payload, 65_536, 'America/Santiago');
  if (!result.ok) throw new Error(`fixture is invalid: ${result.detail}`);
  return result.prepared;
};

const keysUnder = async (redis: ReturnType<typeof connectRedis>, prefix: string) =>
  (await redis.keys(`${prefix}*`)).sort();

test('the store script writes nothing when it cannot decode the state patch', async (t) => {
  for (const patch of UNDECODABLE) {
    const env = await redisEnv('store');
    const prefix = env.REDIS_KEY_PREFIX as string;
    const redis = withScripts(connectRedis(t, env.REDIS_URL as string));
    const listener = connectRedis(t, env.REDIS_URL as string);
    const names = redisNames(prefix);
    const announced: string[] = [];
    listener.on('message', (_channel, message: string) => announced.push(message));
    await listener.subscribe(names.announce);
    const reply = await runStore(redis, names, {
      ...prepared('{"event_type":"TOMAR","tag_spool":"S-1"}'),
      patch,
      claimKey: 'abc:1',
      claimTtlMs: 10_000,
      idempotencyKey: 'key-1',
      historySize: 100,
    });
    t.deepEqual(reply, { status: 'refused' }, patch);
    // A PING on the listener is answered after any message published before it.
    await listener.ping();
    t.deepEqual(announced, [], 'nothing announced');
    t.deepEqual(await keysUnder(redis, prefix), [], 'no stream, state, claim or idempotency key');
  }
});

test('a stored row that cannot be decoded is replaced rather than failing the event', async (t) => {
  const env = await redisEnv('store');
  const redis = withScripts(connectRedis(t, env.REDIS_URL as string));
  const names = redisNames(env.REDIS_KEY_PREFIX as string);
  await redis.hset(names.state, 'S-1', 'garbage');
  const reply = await runStore(redis, names, {
    ...prepared('{"event_type":"TOMAR","tag_spool":"S-1"}'),
    patch: '{"status":"occupied"}',
    historySize: 100,
  });
  t.is(reply.status, 'stored');
  const row = JSON.parse((await redis.hget(names.state, 'S-1')) as string);
  t.like(row, { status: 'occupied' });
  t.is(row.last_event_id, (reply as { id: string }).id);
});

test('the stream entry and the announcement carry the prepared event and its meta, not the producer text', async (t) => {
  const env = await redisEnv('store');
  const redis = withScripts(connectRedis(t, env.REDIS_URL as string));
  const listener = connectRedis(t, env.REDIS_URL as string);
  const names = redisNames(env.REDIS_KEY_PREFIX as string);
  const announced: string[] = [];
  listener.on('message', (_channel, message: string) => announced.push(message));
  await listener.subscribe(names.announce);
  const event = prepared('{"event_type":"TOMAR","tag_spool":"S-2","worker_nombre":"MR(93)"}');
  const reply = await runStore(redis, names, { ...event, historySize: 100 });
  const id = (reply as { id: string }).id;
  await listener.ping();
  t.deepEqual(announced.map(parseAnnouncement), [
    { id, meta: event.meta, template: event.template },
  ]);
  const [entry] = (await redis.xrange(names.events, '-', '+')) as [string, string[]][];
  const fields = entry?.[1];
  t.deepEqual(fields, ['e', event.template, 'm', event.meta]);
});
