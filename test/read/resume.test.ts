import test from 'ava';
import { RedisEventService } from '../../src/index.js';
import {
  connectRedis,
  postEvent,
  publishNumbered,
  redisEnv,
  startGateway,
} from '../helpers/gateway.js';
import { openTestSse, type SseClient, type SseFrame } from '../helpers/sse-client.js';

const STREAM = '/api/sse/stream';
const numbers = (frames: { data: string }[]) => frames.map((f) => JSON.parse(f.data).n as number);

async function setup(t: Parameters<typeof startGateway>[0]) {
  const env = await redisEnv();
  const publisher = new RedisEventService(connectRedis(t, env.REDIS_URL as string), {
    keyPrefix: env.REDIS_KEY_PREFIX,
  });
  const ids: string[] = [];
  const publish = async (from: number, to: number) => {
    for (let n = from; n < to; n += 1) {
      ids[n] = await publishNumbered(publisher, n, `SPOOL-${n}`);
    }
  };
  return { env, ids, publish };
}

const isUpdate = (f: SseFrame) => f.event === 'spool_update';
/** Every update once `lastId` arrived: the whole list, duplicates included. */
const through = (client: SseClient, lastId: string | undefined) =>
  client.framesThrough((f) => f.id === lastId, isUpdate);

test('resume on another replica: exactly the missed events, in order, then live', async (t) => {
  const { env, ids, publish } = await setup(t);
  const [a, b] = await Promise.all([startGateway(t, env), startGateway(t, env)]);
  const first = await openTestSse(t, a.url + STREAM);
  await publish(0, 5);
  await through(first, ids[4]);
  first.close();
  await publish(5, 10);
  const resumed = await openTestSse(t, b.url + STREAM, {
    headers: { 'Last-Event-ID': ids[4] as string },
  });
  await through(resumed, ids[9]);
  await publish(10, 11);
  const frames = await through(resumed, ids[10]);
  t.deepEqual(numbers(frames), [5, 6, 7, 8, 9, 10]);
  t.deepEqual(
    frames.map((f) => f.id),
    ids.slice(5, 11),
  );
});

test('a replica started after the events replays them from the Redis history', async (t) => {
  const { env, ids, publish } = await setup(t);
  await startGateway(t, env);
  await publish(0, 8);
  const late = await startGateway(t, env);
  const resumed = await openTestSse(t, late.url + STREAM, {
    headers: { 'Last-Event-ID': ids[2] as string },
  });
  t.deepEqual(numbers(await through(resumed, ids[7])), [3, 4, 5, 6, 7]);
  await publish(8, 9);
  t.deepEqual(numbers(await through(resumed, ids[8])), [3, 4, 5, 6, 7, 8]);
});

test('the last_event_id query parameter resumes a first connect', async (t) => {
  const { env, ids, publish } = await setup(t);
  const gateway = await startGateway(t, env);
  await publish(0, 4);
  const client = await openTestSse(t, `${gateway.url}${STREAM}?last_event_id=${ids[1]}`);
  t.deepEqual(numbers(await through(client, ids[3])), [2, 3]);
});

test('the Last-Event-ID header wins over the query parameter', async (t) => {
  const { env, ids, publish } = await setup(t);
  const gateway = await startGateway(t, env);
  await publish(0, 6);
  const client = await openTestSse(t, `${gateway.url}${STREAM}?last_event_id=${ids[0]}`, {
    headers: { 'Last-Event-ID': ids[3] as string },
  });
  await publish(6, 7);
  t.deepEqual(numbers(await through(client, ids[6])), [4, 5, 6]);
});

test('embedded mode resumes from its in-memory history', async (t) => {
  const gateway = await startGateway(t);
  const post = (n: number) =>
    postEvent(gateway.url, { event_type: 'TOMAR', tag_spool: `S-${n}`, n });
  const ids = [await post(0), await post(1), await post(2)];
  const client = await openTestSse(t, gateway.url + STREAM, {
    headers: { 'Last-Event-ID': ids[0] as string },
  });
  t.deepEqual(numbers(await through(client, ids[2])), [1, 2]);
});
