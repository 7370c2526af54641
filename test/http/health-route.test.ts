import test from 'ava';
import { redisNames } from '../../src/bus/redis/names.js';
import { type FramedEvent, frameEvents } from '../../src/stream/frame-events.js';
import { checkedFetch } from '../helpers/api-contract.js';
import { connectRedis, redisEnv, startGateway } from '../helpers/gateway.js';
import { openTestSse } from '../helpers/sse-client.js';
import { waitFor } from '../helpers/wait.js';

test('healthz answers 200 and readyz reports bus and pool once the pipeline is up', async (t) => {
  const gateway = await startGateway(t);
  t.is((await checkedFetch(`${gateway.url}/healthz`)).status, 200);
  const ready = await checkedFetch(`${gateway.url}/readyz`);
  t.is(ready.status, 200);
  t.like(await ready.json(), {
    status: 'ready',
    bus: { kind: 'memory', status: 'ok' },
    pool: { queue_depth: 0 },
  });
});

test('while draining readyz answers 503 and new streams are told to retry elsewhere', async (t) => {
  const gateway = await startGateway(t);
  gateway.beginDrain();
  const ready = await checkedFetch(`${gateway.url}/readyz`);
  t.is(ready.status, 503);
  t.like(await ready.json(), { status: 'draining' });
  // A 200 with only a retry hint: EventSource would give up for good on a 503.
  const stream = await checkedFetch(`${gateway.url}/api/sse/stream`);
  t.is(stream.status, 200);
  t.regex(await stream.text(), /^retry: \d+\n\n$/);
  t.is(gateway.hub.size, 0);
});

test('metrics are exposed in the Prometheus text format with the pipeline series', async (t) => {
  const gateway = await startGateway(t);
  const response = await checkedFetch(`${gateway.url}/metrics`);
  t.is(response.status, 200);
  t.regex(response.headers.get('content-type') ?? '', /text\/plain/);
  const text = await response.text();
  for (const name of [
    'spoolcast_open_streams',
    'spoolcast_events_received_total',
    'spoolcast_events_accepted_total',
    'spoolcast_events_rejected_total{reason="not_json",source="redis"} 0',
    'spoolcast_deliveries_total',
    'spoolcast_clients_cut_total{reason="send_timeout"} 0',
    'spoolcast_pool_queue_depth',
    'spoolcast_pool_task_seconds_bucket',
    'spoolcast_receive_to_write_seconds_bucket',
    'spoolcast_bus_up 1',
    'spoolcast_fanout_pending_bytes 0',
  ]) {
    t.true(text.includes(name), name);
  }
});

test('one Redis subscriber per gateway whatever the number of clients, and none left after stop', async (t) => {
  const env = await redisEnv();
  const gateway = await startGateway(t, env);
  const clients = await Promise.all(
    Array.from({ length: 25 }, () => openTestSse(t, `${gateway.url}/api/sse/stream`)),
  );
  await Promise.all(clients.map((c) => c.next((f) => f.event === 'connected')));
  const admin = connectRedis(t, env.REDIS_URL);
  const subscribersTo = async (channel: string) => {
    const [, count] = (await admin.call('PUBSUB', 'NUMSUB', channel)) as [string, number];
    return count;
  };
  t.is(await subscribersTo(env.SPOOLS_CHANNEL as string), 1);
  t.is(await subscribersTo(redisNames(env.REDIS_KEY_PREFIX).announce), 1);
  await gateway.stop();
  await waitFor(async () => (await subscribersTo(env.SPOOLS_CHANNEL as string)) === 0, {
    message: 'the subscriber to be gone after stop',
  });
  t.pass();
});

test('a batch that arrives after the streams were ended at shutdown is dropped, not a crash', async (t) => {
  const gateway = await startGateway(t);
  const client = await openTestSse(t, `${gateway.url}/api/sse/stream`);
  await client.next((f) => f.event === 'connected');
  gateway.hub.close();
  // What a batch still on its way does: reach the fan-out after the streams ended.
  const [event] = frameEvents([
    {
      id: '1-0',
      storedAtMs: 1,
      meta: '["S","TOMAR",null,null,null]',
      template: '{"a":1,"spoolcast":{"id":\u0000}}',
    },
  ]).framed;
  gateway.hub.broadcast([{ ...(event as FramedEvent), seq: 1 }]);
  await client.closed;
  t.false(client.frames.some((f) => f.event === 'spool_update'));
});
