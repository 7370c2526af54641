/**
 * Every producer message is validated (and enriched) once where it enters, counted by
 * `spoolcast_validations_total{source}`: each replica checks the plain PUBLISHes it hears
 * before claiming them; a POST is checked by the gateway it reaches; replays, resyncs and
 * snapshots check nothing.
 */
import test from 'ava';
import type { Service } from '../../src/service.js';
import { checkedFetch } from '../helpers/api-contract.js';
import {
  connectRedis,
  metricValue,
  postEvent,
  redisEnv,
  spoolEvent,
  startGateway,
} from '../helpers/gateway.js';
import { openTestSse } from '../helpers/sse-client.js';

const STREAM = '/api/sse/stream';
const validations = async (gateways: Service[], source: string) => {
  let sum = 0;
  for (const g of gateways) sum += await metricValue(g, 'spoolcast_validations_total', { source });
  return sum;
};

test('N plain PUBLISHes heard by R replicas are validated N × R times and stored once each', async (t) => {
  const env = await redisEnv('val');
  const replicas = [await startGateway(t, env), await startGateway(t, env)];
  const client = await openTestSse(t, (replicas[0] as Service).url + STREAM);
  await client.next((f) => f.event === 'connected');
  const producer = connectRedis(t, env.REDIS_URL);
  for (let n = 0; n < 5; n += 1) await producer.publish(env.SPOOLS_CHANNEL, spoolEvent(n));
  await producer.publish(env.SPOOLS_CHANNEL, spoolEvent(99));
  await client.next((f) => f.event === 'spool_update' && JSON.parse(f.data).n === 99);
  const seen = client.frames.filter((f) => f.event === 'spool_update');
  t.deepEqual(
    seen.map((f) => JSON.parse(f.data).n),
    [0, 1, 2, 3, 4, 99],
  );
  t.is(await validations(replicas, 'redis'), 6 * 2);
  t.is(await validations(replicas, 'http'), 0);
});

test('N POSTs are validated N times; replay, resync and snapshot add nothing', async (t) => {
  const env = await redisEnv('val');
  const replicas = [await startGateway(t, env), await startGateway(t, env)];
  const [a, b] = replicas as [Service, Service];
  const first = await postEvent(a.url, JSON.parse(spoolEvent(1)));
  await postEvent(b.url, JSON.parse(spoolEvent(2)));
  const last = await postEvent(a.url, JSON.parse(spoolEvent(3)));
  t.is(await validations(replicas, 'http'), 3);
  const resumed = await openTestSse(t, `${b.url}${STREAM}?last_event_id=${first}`);
  await resumed.next((f) => f.id === last);
  const snapshot = await openTestSse(t, `${a.url}${STREAM}?snapshot=1`);
  await snapshot.next((f) => f.event === 'snapshot');
  const resync = await openTestSse(t, `${a.url}${STREAM}?last_event_id=1-0`);
  await resync.next((f) => f.event === 'snapshot');
  await checkedFetch(`${b.url}/api/spools`);
  t.is(await validations(replicas, 'http'), 3);
  t.is(await validations(replicas, 'redis'), 0);
});
