/**
 * GET /api/streams/spools on a real gateway: catch-up pages with the SSE stream's JSON,
 * ETag/304, long-poll (data at once, else 204 after the timeout), one log read for many
 * waiting readers, 410/400/405, HEAD, filters, and the snapshot's offset.
 */
import test from 'ava';
import type { Service } from '../../src/service.js';
import { checkedFetch } from '../helpers/api-contract.js';
import {
  metricValue,
  ownRedisEnv,
  postEvent,
  redisEnv,
  spoolEvent,
  startGateway,
} from '../helpers/gateway.js';
import { openTestSse } from '../helpers/sse-client.js';
import { hsToken, TEST_SECRET } from '../helpers/tokens.js';
import { waitFor, withDeadline } from '../helpers/wait.js';

const STREAMS = '/api/streams/spools';
const get = (gateway: Service, query: string, headers: Record<string, string> = {}) =>
  checkedFetch(`${gateway.url}${STREAMS}?${query}`, { headers });
const publish = (gateway: Service, n: number, extra: Record<string, unknown> = {}) =>
  postEvent(gateway.url, JSON.parse(spoolEvent(n, extra)));

test('a catch-up read is a JSON array of the events, the same JSON as the SSE data, up to date at the tail', async (t) => {
  const gateway = await startGateway(t, await redisEnv('ds'));
  const sse = await openTestSse(t, `${gateway.url}/api/sse/stream`);
  await sse.next((f) => f.event === 'connected');
  const ids = [await publish(gateway, 1), await publish(gateway, 2), await publish(gateway, 3)];
  const frames = await sse.framesThrough(
    (f) => f.id === ids[2],
    (f) => f.event === 'spool_update',
  );
  const response = await get(gateway, 'offset=-1');
  t.is(response.status, 200);
  t.is(response.headers.get('content-type'), 'application/json; charset=utf-8');
  t.is(response.headers.get('stream-up-to-date'), 'true');
  t.is(await response.text(), `[${frames.map((f) => f.data).join(',')}]`);
  const next = response.headers.get('stream-next-offset') as string;
  const atTail = await get(gateway, `offset=${next}`);
  t.is(await atTail.text(), '[]');
  t.is(atTail.headers.get('stream-next-offset'), next);
});

test('ETag and 304; offsets from a page resume exactly after it', async (t) => {
  const gateway = await startGateway(t);
  const [first] = [await publish(gateway, 1)];
  await publish(gateway, 2);
  const page = await get(gateway, 'offset=-1');
  const etag = page.headers.get('etag') as string;
  t.truthy(etag);
  t.is((await get(gateway, 'offset=-1', { 'if-none-match': etag })).status, 304);
  const filtered = await get(gateway, 'offset=-1&tag=SPOOL-1');
  t.not(filtered.headers.get('etag'), etag, 'the ETag covers the filter');
  t.deepEqual(
    ((await filtered.json()) as { spoolcast: { id: string } }[]).map((e) => e.spoolcast.id),
    [first],
  );
});

test('long-poll answers as soon as there is data, else 204 after LONG_POLL_TIMEOUT_S with offset and cursor', async (t) => {
  const gateway = await startGateway(t, { LONG_POLL_TIMEOUT_S: '0.3' });
  const tail = (await get(gateway, 'offset=now')).headers.get('stream-next-offset') as string;
  const empty = await get(gateway, `offset=${tail}&live=long-poll`);
  t.is(empty.status, 204);
  t.is(empty.headers.get('stream-next-offset'), tail);
  t.is(empty.headers.get('stream-up-to-date'), 'true');
  t.is(empty.headers.get('cache-control'), 'no-store');
  const cursor = empty.headers.get('stream-cursor') as string;
  t.regex(cursor, /^\d+$/);
  const waiting = get(gateway, `offset=${tail}&live=long-poll&cursor=${cursor}`);
  const id = await publish(gateway, 7);
  const answer = await waiting;
  t.is(answer.status, 200);
  t.deepEqual(
    ((await answer.json()) as { spoolcast: { id: string } }[]).map((e) => e.spoolcast.id),
    [id],
  );
  t.true(Number(answer.headers.get('stream-cursor')) > Number(cursor));
});

test('100 waiting long-poll readers are released by one event with one read of the log', async (t) => {
  const gateway = await startGateway(t, { LONG_POLL_TIMEOUT_S: '60' });
  const tail = (await get(gateway, 'offset=now')).headers.get('stream-next-offset') as string;
  const waiting = Array.from({ length: 100 }, () => get(gateway, `offset=${tail}&live=long-poll`));
  await waitFor(() => gateway.log.waiting === 100, { message: '100 readers waiting' });
  const reads = async (source: string) =>
    metricValue(gateway, 'spoolcast_log_reads_total', { source });
  const [memory, history] = [await reads('memory'), await reads('history')];
  const id = await publish(gateway, 1);
  const answers = await Promise.all(waiting);
  t.true(answers.every((a) => a.status === 200));
  const bodies = await Promise.all(
    answers.map((a) => a.json() as Promise<{ spoolcast: { id: string } }[]>),
  );
  t.true(bodies.every((b) => b.length === 1 && b[0]?.spoolcast.id === id));
  t.is(await reads('memory'), memory + 1);
  t.is(await reads('history'), history);
});

test('410 for a trimmed offset or another history, 400 for a malformed one, 405 for writes; HEAD gives the tail', async (t) => {
  const gateway = await startGateway(t, { HISTORY_SIZE: '5' });
  const start = (await get(gateway, 'offset=now')).headers.get('stream-next-offset') as string;
  for (let n = 0; n < 30; n += 1) await publish(gateway, n);
  t.is((await get(gateway, `offset=${start}`)).status, 410);
  const otherEpoch = `${'f'.repeat(32)}${start.slice(32)}`;
  t.is((await get(gateway, `offset=${otherEpoch}`)).status, 410);
  t.is((await get(gateway, 'offset=1796552826805-0')).status, 400);
  t.is((await get(gateway, 'offset=-1&live=forever')).status, 400);
  const post = await checkedFetch(`${gateway.url}${STREAMS}`, { method: 'POST', body: '[]' });
  t.is(post.status, 405);
  t.is(post.headers.get('allow'), 'GET, HEAD');
  const head = await checkedFetch(`${gateway.url}${STREAMS}`, { method: 'HEAD' });
  t.is(head.status, 200);
  t.truthy(head.headers.get('stream-next-offset'));
});

test('GET /api/spools names the offset its snapshot is consistent with: a long-poll from it gets exactly what came after', async (t) => {
  const gateway = await startGateway(t, { LONG_POLL_TIMEOUT_S: '5' });
  await publish(gateway, 1);
  const snapshot = await checkedFetch(`${gateway.url}/api/spools`);
  const { offset } = (await snapshot.json()) as { offset: string };
  t.is(snapshot.headers.get('stream-next-offset'), offset);
  const after = await publish(gateway, 2);
  const read = await get(gateway, `offset=${offset}&live=long-poll`);
  t.deepEqual(
    ((await read.json()) as { spoolcast: { id: string } }[]).map((e) => e.spoolcast.id),
    [after],
  );
});

test("a restricted token reads only its operations here too, and another restriction's ETag never matches", async (t) => {
  const gateway = await startGateway(t, {
    AUTH_JWT_SECRET: TEST_SECRET,
    LONG_POLL_TIMEOUT_S: '30',
  });
  const publisher = { authorization: `Bearer ${await hsToken({ scope: 'spools:publish' })}` };
  const reader = async (operations: string[]) => ({
    authorization: `Bearer ${await hsToken({ scope: 'spools:read', spoolcast: { operations } })}`,
  });
  const [arm, sold] = [await reader(['ARM']), await reader(['SOLD'])];
  const post = (n: number, op: string) =>
    postEvent(gateway.url, JSON.parse(spoolEvent(n, { estado_detalle: `${op}: x` })), publisher);
  const ids = [await post(1, 'SOLD'), await post(2, 'ARM')];
  const idsOf = async (r: Response) =>
    ((await r.json()) as { spoolcast: { id: string } }[]).map((e) => e.spoolcast.id);
  const page = await get(gateway, 'offset=-1', arm);
  const etag = page.headers.get('etag') as string;
  t.deepEqual(await idsOf(page), [ids[1]]);
  t.deepEqual(await idsOf(await get(gateway, 'offset=-1&operation=SOLD', arm)), []);
  t.is((await get(gateway, 'offset=-1', { ...sold, 'if-none-match': etag })).status, 200);
  const tail = page.headers.get('stream-next-offset') as string;
  const waiting = get(gateway, `offset=${tail}&live=long-poll`, arm);
  await post(3, 'SOLD');
  const armId = await post(4, 'ARM');
  t.deepEqual(await idsOf(await waiting), [armId]);
});

test('before the history is known (Redis frozen at start), GET and HEAD answer 503 not_ready with Retry-After, then serve', async (t) => {
  const { redis, env } = await ownRedisEnv(t);
  redis.freeze();
  const gateway = await startGateway(t, env, { waitReady: false });
  for (const method of ['GET', 'HEAD']) {
    const early = await checkedFetch(`${gateway.url}${STREAMS}?offset=-1`, { method });
    t.is(early.status, 503, method);
    t.is(early.headers.get('retry-after'), '1', method);
  }
  redis.thaw();
  await withDeadline(gateway.ready, 60_000, 'the gateway to come up once Redis answers');
  t.is((await get(gateway, 'offset=-1')).status, 200);
});
