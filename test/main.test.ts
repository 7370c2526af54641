import test from 'ava';
import { spawnService, startServiceProcess } from './helpers/gateway-process.js';
import { openTestSse } from './helpers/sse-client.js';

test('a bad setting stops start-up with a message naming it', async (t) => {
  const run = spawnService(t, { PORT: 'eighty', SSE_PING_INTERVAL_S: 'often' });
  const [code] = await run.exited;
  t.is(code, 78);
  t.regex(run.output(), /PORT must be a whole number/);
  t.regex(run.output(), /SSE_PING_INTERVAL_S/);
});

test('with no REDIS_URL the service runs on the embedded bus, serves events and drains on SIGTERM', async (t) => {
  const run = await startServiceProcess(t, {});
  const { url } = run;
  t.regex(run.output(), /embedded in-process bus/);
  const client = await openTestSse(t, `${url}/api/sse/stream`);
  await client.next((f) => f.event === 'connected');
  const posted = await fetch(`${url}/api/events`, {
    method: 'POST',
    body: '{"event_type":"TOMAR","tag_spool":"SPOOL-9"}',
  });
  t.is(posted.status, 202);
  const update = await client.next((f) => f.event === 'spool_update');
  t.is(JSON.parse(update.data).tag_spool, 'SPOOL-9');
  run.child.kill('SIGTERM');
  const [code] = await run.exited;
  t.is(code, 0);
  await client.closed;
});
