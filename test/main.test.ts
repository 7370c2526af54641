import test from 'ava';
import { checkedFetch } from './helpers/api-contract.js';
import { spawnService, startServiceProcess } from './helpers/gateway-process.js';
import { openTestSse } from './helpers/sse-client.js';
import { waitFor } from './helpers/wait.js';

test('a bad setting stops start-up with a message naming it', async (t) => {
  const run = spawnService(t, { PORT: 'eighty', SSE_PING_INTERVAL_S: 'often' });
  const [code] = await run.exited;
  t.is(code, 78);
  t.regex(run.output(), /PORT must be a whole number/);
  t.regex(run.output(), /SSE_PING_INTERVAL_S/);
});

test('with no REDIS_URL the service runs on the embedded bus and serves events', async (t) => {
  const run = await startServiceProcess(t, {});
  t.regex(run.output(), /embedded in-process bus/);
  const client = await openTestSse(t, `${run.url}/api/sse/stream`);
  await client.next((f) => f.event === 'connected');
  const posted = await checkedFetch(`${run.url}/api/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"event_type":"TOMAR","tag_spool":"SPOOL-9"}',
  });
  t.is(posted.status, 202);
  const update = await client.next((f) => f.event === 'spool_update');
  t.is(JSON.parse(update.data).tag_spool, 'SPOOL-9');
});

test('SIGTERM: readiness 503 and new streams sent elsewhere while open streams flow, then they end and it exits 0', async (t) => {
  // The delay only has to outlast the few requests below; the test waits for signals.
  const run = await startServiceProcess(t, { DRAIN_DELAY_S: '8', SHUTDOWN_DRAIN_S: '1' });
  const client = await openTestSse(t, `${run.url}/api/sse/stream`);
  await client.next((f) => f.event === 'connected');
  run.child.kill('SIGTERM');
  await waitFor(async () => (await checkedFetch(`${run.url}/readyz`)).status === 503, {
    message: 'readiness to turn 503 after SIGTERM',
  });
  const late = await checkedFetch(`${run.url}/api/sse/stream`);
  t.is(late.status, 200);
  t.regex(await late.text(), /^retry: \d+\n\n$/);
  const posted = await checkedFetch(`${run.url}/api/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"event_type":"PAUSAR","tag_spool":"SPOOL-9"}',
  });
  t.is(posted.status, 202);
  await client.next((f) => f.event === 'spool_update');
  const [code] = await run.exited;
  t.is(code, 0);
  await client.closed;
});
