import test, { type ExecutionContext } from 'ava';
import { RedisEventService } from '../../src/index.js';
import { checkedFetch } from '../helpers/api-contract.js';
import {
  connectRedis,
  metricValue,
  ownRedisEnv,
  publishNumbered,
  redisEnv,
  startGateway,
} from '../helpers/gateway.js';
import { openTestSse, type SseClient } from '../helpers/sse-client.js';

const STREAM = '/api/sse/stream';

const TOMAR_BY_MR = { type: 'TOMAR', worker: 'MR(93)' };

async function publishMany(publisher: RedisEventService, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let n = 0; n < count; n += 1) {
    ids.push(await publishNumbered(publisher, n, `SPOOL-${n % 7}`, TOMAR_BY_MR));
  }
  return ids;
}

/**
 * Waits for every client's `resync` (`history_replaced`) and the snapshot after it, checks
 * they all got the same snapshot, and returns it parsed.
 */
async function sameResyncSnapshot(
  t: ExecutionContext,
  clients: SseClient[],
): Promise<{ incomplete: boolean; as_of: string; spools: { tag_spool: string }[] }> {
  const snapshots: string[] = [];
  for (const client of clients) {
    const resync = await client.next((f) => f.event === 'resync', { timeoutMs: 30_000 });
    t.like(JSON.parse(resync.data), { reason: 'history_replaced' });
    const snapshot = (await client.next((f) => f.event === 'snapshot')).data;
    t.is(JSON.parse(resync.data).epoch, JSON.parse(snapshot).epoch, 'the snapshot of its epoch');
    snapshots.push(snapshot);
  }
  t.is(new Set(snapshots).size, 1, 'every client got the same snapshot');
  return JSON.parse(snapshots[0] as string);
}

test('a cursor older than the history gets resync, then a snapshot, then live events', async (t) => {
  // MAXLEN ~ trims whole stream nodes (100 entries), so publish well past the cap.
  const env: Record<string, string> = { ...(await redisEnv()), HISTORY_SIZE: '10' };
  const gateway = await startGateway(t, env);
  const publisher = new RedisEventService(connectRedis(t, env.REDIS_URL as string), {
    keyPrefix: env.REDIS_KEY_PREFIX,
    historySize: 10,
  });
  const ids = await publishMany(publisher, 300);
  const client = await openTestSse(t, gateway.url + STREAM, {
    headers: { 'Last-Event-ID': ids[0] as string },
  });
  const resync = await client.next((f) => f.event === 'resync');
  t.like(JSON.parse(resync.data), { reason: 'cursor_too_old' });
  const snapshot = await client.next((f) => f.event === 'snapshot');
  const body = JSON.parse(snapshot.data);
  t.is(snapshot.id, body.as_of);
  t.is(body.spools.length, 7);
  t.false(body.incomplete);
  t.is(await metricValue(gateway, 'spoolcast_stream_starts_total', { mode: 'resync' }), 1);
  const [liveId] = await publishMany(publisher, 1);
  await client.next((f) => f.event === 'spool_update' && f.id === liveId);
  const afterSnapshot = client.frames.slice(client.frames.indexOf(snapshot) + 1);
  t.deepEqual(
    afterSnapshot.filter((f) => f.event === 'spool_update').map((f) => f.id),
    [liveId],
    'live after the snapshot, nothing replayed twice',
  );
});

test('an unknown cursor gets resync', async (t) => {
  const gateway = await startGateway(t, await redisEnv());
  const client = await openTestSse(t, gateway.url + STREAM, {
    headers: { 'Last-Event-ID': '99999999999999-0' },
  });
  t.like(JSON.parse((await client.next((f) => f.event === 'resync')).data), {
    reason: 'unknown_cursor',
  });
  await client.next((f) => f.event === 'snapshot');
  t.pass();
});

test('Redis restarted without persistence: every connected client resyncs to the same snapshot, marked incomplete', async (t) => {
  const { redis, env } = await ownRedisEnv(t);
  const gateway = await startGateway(t, env);
  const clients = await Promise.all([1, 2, 3].map(() => openTestSse(t, gateway.url + STREAM)));
  const producer = connectRedis(t, redis.url);
  await producer.publish(env.SPOOLS_CHANNEL, '{"event_type":"TOMAR","tag_spool":"BEFORE"}');
  await Promise.all(clients.map((c) => c.next((f) => f.event === 'spool_update')));
  await redis.restart();
  const snapshot = await sameResyncSnapshot(t, clients);
  t.true(snapshot.incomplete);
  t.deepEqual(snapshot.spools, []);
  // Events after the new epoch flow as usual.
  await producer.publish(env.SPOOLS_CHANNEL, '{"event_type":"TOMAR","tag_spool":"AFTER"}');
  for (const client of clients) {
    const after = await client.next((f) => f.event === 'spool_update' && f.data.includes('AFTER'));
    t.truthy(after.id);
  }
  t.is(await metricValue(gateway, 'spoolcast_history_breaks_total'), 1);
});

test('with Redis unreachable: /api/spools answers 503 and a resume the cache cannot serve is cut, to retry', async (t) => {
  const { redis, env } = await ownRedisEnv(t);
  const gateway = await startGateway(t, { ...env, PUBLISH_TIMEOUT_MS: '300' });
  await redis.stop();
  const spools = await checkedFetch(`${gateway.url}/api/spools`);
  t.is(spools.status, 503);
  t.is(spools.headers.get('retry-after'), '1');
  t.like(await spools.json(), { error: 'history_unavailable' });
  const client = await openTestSse(t, gateway.url + STREAM, {
    headers: { 'Last-Event-ID': '1-0' },
  });
  await client.closed;
  t.false(client.frames.some((f) => f.event === 'spool_update' || f.event === 'resync'));
  t.is(
    await metricValue(gateway, 'spoolcast_clients_cut_total', { reason: 'replay_unavailable' }),
    1,
  );
});

test('Redis came back without the newest events it had announced: every client resyncs to the history it kept', async (t) => {
  // A restart from an older RDB stands for any lost tail (an async replica promoted before
  // the last writes reached it): same epoch, but events the screens saw are gone.
  const { redis, env } = await ownRedisEnv(t);
  const gateway = await startGateway(t, env);
  const clients = await Promise.all([1, 2].map(() => openTestSse(t, gateway.url + STREAM)));
  const producer = connectRedis(t, redis.url);
  await producer.publish(env.SPOOLS_CHANNEL, '{"event_type":"TOMAR","tag_spool":"KEPT"}');
  const kept = await Promise.all(
    clients.map((c) => c.next((f) => f.event === 'spool_update' && f.data.includes('KEPT'))),
  );
  await producer.save();
  await producer.publish(env.SPOOLS_CHANNEL, '{"event_type":"TOMAR","tag_spool":"LOST"}');
  await Promise.all(
    clients.map((c) => c.next((f) => f.event === 'spool_update' && f.data.includes('LOST'))),
  );
  await redis.kill();
  await redis.restart();
  // The gateway lost its own place in the history (contract §2.4): history_replaced too.
  const snapshot = await sameResyncSnapshot(t, clients);
  t.false(snapshot.incomplete, 'the same epoch: what the history kept is complete');
  t.is(snapshot.as_of, kept[0]?.id as string);
  t.deepEqual(
    snapshot.spools.map((s) => s.tag_spool),
    ['KEPT'],
  );
  await producer.publish(env.SPOOLS_CHANNEL, '{"event_type":"TOMAR","tag_spool":"AFTER"}');
  await Promise.all(
    clients.map((c) => c.next((f) => f.event === 'spool_update' && f.data.includes('AFTER'))),
  );
  t.is(await metricValue(gateway, 'spoolcast_history_breaks_total'), 1);
});
