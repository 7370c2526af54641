import test from 'ava';
import { checkedFetch } from '../helpers/api-contract.js';
import { ownRedisEnv, redisEnv, spoolEvent, startGateway } from '../helpers/gateway.js';
import { openTestSse } from '../helpers/sse-client.js';

const post = (url: string, body: string, headers: Record<string, string> = {}) =>
  checkedFetch(`${url}/api/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });

test('embedded mode: a POSTed event reaches the stream with the id the POST returned', async (t) => {
  const gateway = await startGateway(t);
  t.is(gateway.feed.kind, 'memory');
  const client = await openTestSse(t, `${gateway.url}/api/sse/stream`);
  await client.next((f) => f.event === 'connected');
  const response = await post(gateway.url, spoolEvent(1));
  t.is(response.status, 202);
  const { id } = (await response.json()) as { id: string };
  const frame = await client.next((f) => f.event === 'spool_update');
  t.is(frame.id, id);
  t.like(JSON.parse(frame.data), { tag_spool: 'SPOOL-1', spoolcast: { id } });
});

test('with Redis: a POSTed event is stored and broadcast under the returned id', async (t) => {
  const gateway = await startGateway(t, await redisEnv());
  const client = await openTestSse(t, `${gateway.url}/api/sse/stream`);
  await client.next((f) => f.event === 'connected');
  const response = await post(gateway.url, spoolEvent(2));
  t.is(response.status, 202);
  const { id } = (await response.json()) as { id: string };
  t.is((await client.next((f) => f.event === 'spool_update')).id, id);
});

test('an invalid event gets 400 listing every problem', async (t) => {
  const gateway = await startGateway(t);
  const response = await post(
    gateway.url,
    JSON.stringify({ event_type: 'tomar', worker_nombre: 5 }),
  );
  t.is(response.status, 400);
  const body = (await response.json()) as {
    error: string;
    reasons: { reason: string; detail: string }[];
  };
  t.is(body.error, 'invalid_event');
  const reasons = body.reasons.map((r) => r.reason).sort();
  t.deepEqual(reasons, ['invalid_value', 'missing_field', 'wrong_type']);
  for (const r of body.reasons) t.true(r.detail.length > 0);
});

test('a body that is not JSON gets 400', async (t) => {
  const gateway = await startGateway(t);
  const response = await post(gateway.url, '{nope');
  t.is(response.status, 400);
  t.like(await response.json(), { error: 'invalid_event', reasons: [{ reason: 'not_json' }] });
});

test('a body over MAX_EVENT_BYTES gets 413', async (t) => {
  const gateway = await startGateway(t, { MAX_EVENT_BYTES: '1024' });
  const response = await post(gateway.url, spoolEvent(3, { pad: 'x'.repeat(2000) }));
  t.is(response.status, 413);
  t.like(await response.json(), { error: 'too_large' });
});

test('503 when Redis cannot store the event', async (t) => {
  const { redis, env } = await ownRedisEnv(t);
  const gateway = await startGateway(t, { ...env, PUBLISH_TIMEOUT_MS: '500' });
  await redis.stop();
  const response = await post(gateway.url, spoolEvent(4));
  t.is(response.status, 503);
  t.like(await response.json(), { error: 'store_unavailable' });
});

test('a retried POST with the same Idempotency-Key returns the first id and stores no copy', async (t) => {
  const gateway = await startGateway(t, await redisEnv());
  const client = await openTestSse(t, `${gateway.url}/api/sse/stream`);
  const headers = { 'Idempotency-Key': 'order-42' };
  const first = await post(gateway.url, spoolEvent(5), headers);
  const retry = await post(gateway.url, spoolEvent(5), headers);
  t.is(first.status, 202);
  t.is(retry.status, 202);
  const { id } = (await first.json()) as { id: string };
  t.deepEqual(await retry.json(), { id });
  t.is(retry.headers.get('idempotent-replayed'), 'true');
  const other = (await (await post(gateway.url, spoolEvent(6))).json()) as { id: string };
  // The next event arrives right after the first: the retry added nothing in between.
  const updates = await client.framesThrough(
    (f) => f.id === other.id,
    (f) => f.event === 'spool_update',
  );
  t.deepEqual(
    updates.map((f) => f.id),
    [id, other.id],
  );
});

test('an Idempotency-Key over 256 characters gets 400', async (t) => {
  const gateway = await startGateway(t);
  const response = await post(gateway.url, spoolEvent(7), { 'Idempotency-Key': 'k'.repeat(257) });
  t.is(response.status, 400);
  t.like(await response.json(), { error: 'invalid_idempotency_key' });
});

test('only application/json is taken: text/plain and form bodies get 415, so no page can publish without a preflight', async (t) => {
  const gateway = await startGateway(t);
  for (const type of [
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
  ]) {
    const response = await post(gateway.url, spoolEvent(1), { 'content-type': type });
    t.is(response.status, 415, type);
    t.like(await response.json(), { error: 'unsupported_media_type' });
  }
  const latin1 = await post(gateway.url, spoolEvent(1), {
    'content-type': 'application/json; charset=iso-8859-1',
  });
  t.is(latin1.status, 415);
  const utf8 = await post(gateway.url, spoolEvent(1), {
    'content-type': 'application/json; charset=UTF-8',
  });
  t.is(utf8.status, 202);
});

test('hostile input gets 400 with its reason, never 503: lone surrogate, duplicate key, bytes that are not UTF-8', async (t) => {
  const gateway = await startGateway(t, await redisEnv());
  const cases: [string, string | Buffer][] = [
    ['invalid_unicode', '{"event_type":"TOMAR","tag_spool":"S-1","worker_nombre":"\\ud800"}'],
    ['duplicate_key', '{"event_type":"TOMAR","tag_spool":"S-1","event_type":"PAUSAR"}'],
    ['invalid_unicode', Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d])],
  ];
  for (const [reason, body] of cases) {
    const response = await checkedFetch(`${gateway.url}/api/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : new Uint8Array(body),
    });
    t.is(response.status, 400, reason);
    t.like(await response.json(), { error: 'invalid_event', reasons: [{ reason }] });
  }
  const spools = (await (await checkedFetch(`${gateway.url}/api/spools`)).json()) as {
    spools: unknown[];
  };
  t.deepEqual(spools.spools, [], 'nothing was stored');
});
