/**
 * Filters on every read path, on two replicas: live, resume, snapshot, resync and
 * `GET /api/spools` give exactly the matching subset of what an unfiltered screen sees,
 * with the same ids and order; a token's restriction is applied on top of the query.
 */
import test from 'ava';
import type { Service } from '../../src/service.js';
import { checkedFetch } from '../helpers/api-contract.js';
import { postEvent, redisEnv, startGateway } from '../helpers/gateway.js';
import { openTestSse, type SseClient, type SseFrame } from '../helpers/sse-client.js';
import { hsToken, TEST_SECRET } from '../helpers/tokens.js';

const STREAM = '/api/sse/stream';
const isUpdate = (f: SseFrame) => f.event === 'spool_update';
const FILTER = 'operation=ARM&worker=93&tag_prefix=PL1-';
type Data = {
  tag_spool: string;
  spoolcast: { operation: string | null; worker: { id: number } | null };
};
const selected = (d: Data) =>
  d.spoolcast.operation === 'ARM' &&
  d.spoolcast.worker?.id === 93 &&
  d.tag_spool.startsWith('PL1-');

/** 24 events over two operations, two workers and two tag families; the last one selected. */
async function publishMix(gateway: Service): Promise<string[]> {
  const ids: string[] = [];
  for (let n = 0; n < 24; n += 1) {
    const isLast = n === 23;
    ids.push(
      await postEvent(gateway.url, {
        event_type: n % 3 === 0 ? 'TOMAR' : 'STATE_CHANGE',
        tag_spool: `${isLast || n % 2 === 0 ? 'PL1' : 'PL2'}-${n % 5}`,
        worker_nombre: isLast || n % 4 < 2 ? 'MR(93)' : 'JP(7)',
        estado_detalle: `${isLast || n % 3 !== 1 ? 'ARM' : 'SOLD'}: paso ${n}`,
      }),
    );
  }
  return ids;
}

/** POSTs a TOMAR of `tag` in operation `op`; its id. */
const postOp = (gateway: Service, tag: string, op: string, headers: Record<string, string> = {}) =>
  postEvent(
    gateway.url,
    { event_type: 'TOMAR', tag_spool: tag, estado_detalle: `${op}: x` },
    headers,
  );

const updatesThrough = (client: SseClient, lastId: string) =>
  client.framesThrough((f) => f.id === lastId, isUpdate);
const idsOf = (frames: SseFrame[]) => frames.map((f) => f.id);

test('live, resume and snapshot on another replica give exactly the matching subset', async (t) => {
  const env = await redisEnv('filters');
  const [a, b] = [await startGateway(t, env), await startGateway(t, env)];
  const everything = await openTestSse(t, a.url + STREAM);
  const filtered = await openTestSse(t, `${b.url}${STREAM}?${FILTER}`);
  await Promise.all([everything, filtered].map((c) => c.next((f) => f.event === 'connected')));
  const ids = await publishMix(a);
  const last = ids.at(-1) as string;
  const all = await updatesThrough(everything, last);
  const expected = idsOf(all.filter((f) => selected(JSON.parse(f.data))));
  t.true(expected.length > 2 && expected.length < ids.length, 'the mix selects some, not all');
  t.deepEqual(idsOf(await updatesThrough(filtered, last)), expected);
  const resumed = await openTestSse(t, `${b.url}${STREAM}?${FILTER}&last_event_id=${ids[0]}`);
  t.deepEqual(
    idsOf(await updatesThrough(resumed, last)),
    expected.filter((id) => id !== ids[0]),
  );
  const fromSnapshot = await openTestSse(t, `${b.url}${STREAM}?${FILTER}&snapshot=1`);
  const snapshot = JSON.parse((await fromSnapshot.next((f) => f.event === 'snapshot')).data);
  t.true(snapshot.spools.length > 0);
  t.true(
    snapshot.spools.every(
      (s: { tag_spool: string; operation: string; worker: { id: number } }) =>
        s.tag_spool.startsWith('PL1-') && s.operation === 'ARM' && s.worker?.id === 93,
    ),
  );
});

test('a resync and GET /api/spools respect the filter', async (t) => {
  const env = await redisEnv('filters');
  const gateway = await startGateway(t, env);
  await publishMix(gateway);
  const resync = await openTestSse(t, `${gateway.url}${STREAM}?operation=SOLD&last_event_id=1-0`);
  await resync.next((f) => f.event === 'resync');
  const snapshot = JSON.parse((await resync.next((f) => f.event === 'snapshot')).data);
  const spools = (await (
    await checkedFetch(`${gateway.url}/api/spools?operation=SOLD`)
  ).json()) as typeof snapshot;
  t.deepEqual(spools.spools, snapshot.spools);
  t.true(snapshot.spools.length > 0);
  t.true(snapshot.spools.every((s: { operation: string }) => s.operation === 'SOLD'));
  const next = await postOp(gateway, 'PL9-1', 'SOLD');
  await postOp(gateway, 'PL9-2', 'ARM');
  const fence = await postOp(gateway, 'PL9-3', 'SOLD');
  t.deepEqual(idsOf(await updatesThrough(resync, fence)), [next, fence]);
});

test('a restricted token sees only its operations, whatever the query asks, on every path', async (t) => {
  const env = {
    ...(await redisEnv('filters')),
    AUTH_JWT_SECRET: TEST_SECRET,
    SSE_PING_INTERVAL_S: '0.2',
  };
  const gateway = await startGateway(t, env);
  const publisher = await hsToken({ scope: 'spools:publish' });
  const armOnly = await hsToken({ scope: 'spools:read', spoolcast: { operations: ['ARM'] } });
  const headers = { authorization: `Bearer ${armOnly}` };
  const asking = await openTestSse(t, `${gateway.url}${STREAM}?operation=SOLD`, { headers });
  const live = await openTestSse(t, `${gateway.url}${STREAM}`, { headers });
  await Promise.all([asking, live].map((c) => c.next((f) => f.event === 'connected')));
  const as = { authorization: `Bearer ${publisher}` };
  const ids: string[] = [];
  for (const [n, op] of ['SOLD', 'ARM', 'SOLD', 'ARM'].entries())
    ids.push(await postOp(gateway, `S-${n + 1}`, op, as));
  t.deepEqual(idsOf(await updatesThrough(live, ids[3] as string)), [ids[1], ids[3]]);
  const resumed = await openTestSse(t, `${gateway.url}${STREAM}?last_event_id=${ids[0]}`, {
    headers,
  });
  t.deepEqual(idsOf(await updatesThrough(resumed, ids[3] as string)), [ids[1], ids[3]]);
  const spools = (await (await checkedFetch(`${gateway.url}/api/spools`, { headers })).json()) as {
    spools: { tag_spool: string }[];
  };
  t.deepEqual(
    spools.spools.map((s) => s.tag_spool),
    ['S-2', 'S-4'],
  );
  // A heartbeat naming the last id comes after every event up to it on this stream.
  const isPast = (f: SseFrame) =>
    f.event === 'heartbeat' && JSON.parse(f.data).last_event_id === ids[3];
  t.deepEqual(await asking.framesThrough(isPast, isUpdate), [], 'SOLD asked, ARM allowed: nothing');
});

test('a bad query is refused naming its parameter, and counted', async (t) => {
  const gateway = await startGateway(t);
  const refused = async (query: string) => {
    const response = await checkedFetch(`${gateway.url}${STREAM}?${query}`);
    return { status: response.status, body: (await response.json()) as { param?: string } };
  };
  t.like(await refused('colour=red'), { status: 400, body: { param: 'colour' } });
  t.like(await refused('operation='), { status: 400, body: { param: 'operation' } });
  const terms = Array.from({ length: 101 }, (_, n) => `tag=T${n}`).join('&');
  t.like(await refused(terms), { status: 400, body: { param: 'tag' } });
  t.is((await refused(`tag=${'x'.repeat(5000)}`)).status, 414);
  t.is((await checkedFetch(`${gateway.url}/api/spools?nope=1`)).status, 400);
});
