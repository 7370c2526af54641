/** The limits on a real gateway: streams per address, publishes per subject or address, /metrics apart. */
import test from 'ava';
import { checkedFetch } from '../helpers/api-contract.js';
import { getFreePort } from '../helpers/free-port.js';
import { metricValue, spoolEvent, startGateway } from '../helpers/gateway.js';
import { openTestSse } from '../helpers/sse-client.js';
import { hsToken, TEST_SECRET } from '../helpers/tokens.js';

test('SSE_MAX_CLIENTS_PER_IP: a stream beyond it gets 429 with Retry-After; a closed one frees its slot', async (t) => {
  const gateway = await startGateway(t, { SSE_MAX_CLIENTS_PER_IP: '2' });
  const url = `${gateway.url}/api/sse/stream`;
  const first = await openTestSse(t, url);
  await openTestSse(t, url);
  const refused = await checkedFetch(url);
  t.is(refused.status, 429);
  t.truthy(refused.headers.get('retry-after'));
  first.close();
  const again = await openTestSse(t, url);
  await again.next((f) => f.event === 'connected');
  t.is(
    await metricValue(gateway, 'spoolcast_limits_refused_total', { limit: 'clients_per_ip' }),
    1,
  );
});

test('PUBLISH_RATE_PER_S: per token subject, each subject with its own budget', async (t) => {
  const gateway = await startGateway(t, { AUTH_JWT_SECRET: TEST_SECRET, PUBLISH_RATE_PER_S: '2' });
  const post = async (sub: string) =>
    checkedFetch(`${gateway.url}/api/events`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${await hsToken({ scope: 'spools:publish', sub })}`,
      },
      body: spoolEvent(1),
    });
  const statuses = [];
  for (let n = 0; n < 4; n += 1) statuses.push((await post('backend-a')).status);
  // A burst of the rate passes; the rest of the same second waits.
  t.deepEqual(statuses.slice(0, 2), [202, 202]);
  const limited = await post('backend-a');
  t.is(limited.status, 429);
  t.truthy(limited.headers.get('retry-after'));
  t.is((await post('backend-b')).status, 202);
  t.true(
    (await metricValue(gateway, 'spoolcast_limits_refused_total', { limit: 'publish_rate' })) >= 1,
  );
});

test('METRICS_PORT: /metrics is served there and nowhere else', async (t) => {
  const metricsPort = await getFreePort();
  const gateway = await startGateway(t, { METRICS_PORT: String(metricsPort) });
  t.is((await checkedFetch(`${gateway.url}/metrics`)).status, 404);
  const response = await checkedFetch(`http://127.0.0.1:${metricsPort}/metrics`);
  t.is(response.status, 200);
  t.regex(await response.text(), /spoolcast_open_streams/);
});
