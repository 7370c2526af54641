/**
 * A Redis written by the previous version (format 1: the producer's text in stream entries,
 * `<id>\n<payload>` announcements, keys without `v2:`): the gateway never reads that stream,
 * keeps the spool state, and a screen resuming with a format-1 id resyncs once.
 */
import test from 'ava';
import {
  connectRedis,
  metricValue,
  postEvent,
  redisEnv,
  spoolEvent,
  startGateway,
} from '../../helpers/gateway.js';
import { openTestSse } from '../../helpers/sse-client.js';

/** What a format-1 gateway left behind: one event, its announcement channel, its state row. */
async function writeFormat1(redis: ReturnType<typeof connectRedis>, prefix: string) {
  const payload = spoolEvent(1);
  const id = (await redis.xadd(`${prefix}events`, '*', 'p', payload)) as string;
  await redis.hset(`${prefix}epoch`, 'id', 'old-epoch', 'incomplete', '0');
  const row = { tag_spool: 'SPOOL-1', status: 'occupied', last_event_id: id, since: '' };
  await redis.hset(`${prefix}state`, 'SPOOL-1', JSON.stringify(row));
  return { id, payload };
}

test('a screen resuming with a format-1 id resyncs to a snapshot that keeps the old spool state', async (t) => {
  const env = await redisEnv('v1');
  const redis = connectRedis(t, env.REDIS_URL);
  const { id } = await writeFormat1(redis, env.REDIS_KEY_PREFIX);
  const gateway = await startGateway(t, env);
  const client = await openTestSse(t, `${gateway.url}/api/sse/stream`, {
    headers: { 'Last-Event-ID': id },
  });
  t.like(JSON.parse((await client.next((f) => f.event === 'resync')).data), {
    reason: 'unknown_cursor',
  });
  const snapshot = JSON.parse((await client.next((f) => f.event === 'snapshot')).data);
  t.like(snapshot.spools, [{ tag_spool: 'SPOOL-1', status: 'occupied' }]);
  const next = await postEvent(gateway.url, JSON.parse(spoolEvent(2)));
  await client.next((f) => f.id === next);
  t.deepEqual(
    client.frames.filter((f) => f.event === 'spool_update').map((f) => f.id),
    [next],
  );
});

test('a format-1 announcement is not heard: nothing is broadcast or rejected', async (t) => {
  const env = await redisEnv('v1');
  const gateway = await startGateway(t, env);
  const client = await openTestSse(t, `${gateway.url}/api/sse/stream`);
  await client.next((f) => f.event === 'connected');
  const redis = connectRedis(t, env.REDIS_URL);
  await redis.publish(`${env.REDIS_KEY_PREFIX}announce`, `1-0\n${spoolEvent(1)}`);
  const fence = await postEvent(gateway.url, JSON.parse(spoolEvent(2)));
  await client.next((f) => f.id === fence);
  t.deepEqual(
    client.frames.filter((f) => f.event === 'spool_update').map((f) => f.id),
    [fence],
  );
  t.is(
    await metricValue(gateway, 'spoolcast_events_rejected_total', {
      reason: 'invalid_value',
      source: 'stored',
    }),
    0,
  );
});
