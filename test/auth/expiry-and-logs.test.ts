/**
 * A stream outlives its token only until the token expires: it is told `reauth` and ended,
 * and the client resumes with a fresh token and its last id, losing nothing. No token ever
 * reaches a log line, even at `trace`.
 */
import test from 'ava';
import { checkedFetch } from '../helpers/api-contract.js';
import { captureLogs } from '../helpers/captured-logs.js';
import { metricValue, postEvent, spoolEvent, startGateway } from '../helpers/gateway.js';
import { openTestSse } from '../helpers/sse-client.js';
import { hsToken, TEST_SECRET } from '../helpers/tokens.js';

const STREAM = '/api/sse/stream';

test('at expiry the stream gets reauth and ends; a fresh token resumes it with nothing lost', async (t) => {
  const gateway = await startGateway(t, {
    AUTH_JWT_SECRET: TEST_SECRET,
    AUTH_CLOCK_SKEW_S: '0',
    SSE_SEND_TIMEOUT_S: '0.4',
  });
  const short = await hsToken({ scope: 'spools:read', expiresInS: 2 });
  const client = await openTestSse(t, gateway.url + STREAM, {
    headers: { authorization: `Bearer ${short}` },
  });
  await client.next((f) => f.event === 'connected');
  const publish = { authorization: `Bearer ${await hsToken({ scope: 'spools:publish' })}` };
  const before = await postEvent(gateway.url, JSON.parse(spoolEvent(1)), publish);
  await client.next((f) => f.id === before);
  const reauth = await client.next((f) => f.event === 'reauth', { timeoutMs: 10_000 });
  t.deepEqual(JSON.parse(reauth.data), { reason: 'token_expired' });
  await client.closed;
  const missed = await postEvent(gateway.url, JSON.parse(spoolEvent(2)), publish);
  const fresh = await hsToken({ scope: 'spools:read' });
  const resumed = await openTestSse(t, gateway.url + STREAM, {
    headers: { authorization: `Bearer ${fresh}`, 'Last-Event-ID': before },
  });
  const frames = await resumed.framesThrough(
    (f) => f.id === missed,
    (f) => f.event === 'spool_update',
  );
  t.deepEqual(
    frames.map((f) => f.id),
    [missed],
  );
  t.is(await metricValue(gateway, 'spoolcast_streams_expired_total'), 1);
});

test('no token or secret appears in any log line at trace, whatever was presented', async (t) => {
  const logs = captureLogs('trace');
  const gateway = await startGateway(
    t,
    { AUTH_JWT_SECRET: TEST_SECRET, AUTH_QUERY_TOKEN: 'true', LOG_LEVEL: 'trace' },
    { logger: logs.logger },
  );
  const tokens = [
    await hsToken({ scope: 'spools:read' }),
    await hsToken({ scope: 'spools:read', expiresInS: -10 }),
    await hsToken({ scope: 'spools:publish' }, 'forged-secret-0123456789-abcdefghijklmnop'),
  ];
  for (const token of tokens) {
    await checkedFetch(`${gateway.url}/api/spools?access_token=${token}`);
    await checkedFetch(`${gateway.url}/api/spools`, {
      headers: { authorization: `Bearer ${token}` },
    });
    await checkedFetch(`${gateway.url}/api/spools`, {
      headers: { cookie: `spoolcast_token=${token}` },
    });
    await checkedFetch(`${gateway.url}/api/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: '{"event_type":"TOMAR"}',
    });
  }
  t.true(logs.matching('request refused by auth').length > 0, 'refusals are logged');
  const text = logs.lines.join('\n');
  for (const secret of [...tokens, TEST_SECRET]) t.false(text.includes(secret));
  const metrics = await (await checkedFetch(`${gateway.url}/metrics`)).text();
  for (const secret of tokens) t.false(metrics.includes(secret));
});
