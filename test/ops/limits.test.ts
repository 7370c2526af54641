import test from 'ava';
import { checkedFetch } from '../helpers/api-contract.js';
import { metricValue, ownRedisEnv, startGateway } from '../helpers/gateway.js';
import { openTestSse } from '../helpers/sse-client.js';
import { waitFor } from '../helpers/wait.js';

test('SSE_MAX_CLIENTS: a stream beyond the limit gets 503 with Retry-After; room frees on disconnect', async (t) => {
  const gateway = await startGateway(t, { SSE_MAX_CLIENTS: '2' });
  const url = `${gateway.url}/api/sse/stream`;
  const first = await openTestSse(t, url);
  await openTestSse(t, url);
  await waitFor(() => gateway.hub.size === 2, { message: 'two open streams' });
  const refused = await checkedFetch(url);
  t.is(refused.status, 503);
  const retryAfter = Number(refused.headers.get('retry-after'));
  t.true(Number.isInteger(retryAfter) && retryAfter >= 1, String(retryAfter));
  t.is(((await refused.json()) as { error: string }).error, 'too_many_streams');
  t.is(await metricValue(gateway, 'spoolcast_streams_refused_total'), 1);
  first.close();
  await waitFor(() => gateway.hub.size === 1, { message: 'the closed stream to leave the hub' });
  const third = await openTestSse(t, url);
  t.is(third.status, 200);
});

test('a Redis outage fails neither liveness nor readiness', async (t) => {
  const { redis, env } = await ownRedisEnv(t);
  const gateway = await startGateway(t, env);
  await redis.kill();
  const body = await waitFor(
    async () => {
      const response = await checkedFetch(`${gateway.url}/readyz`);
      const json = (await response.json()) as { status: string; bus: { status: string } };
      return json.bus.status === 'down' ? { status: response.status, json } : null;
    },
    { message: '/readyz to report the bus down' },
  );
  t.is(body.status, 200);
  t.is(body.json.status, 'ready');
  t.is((await checkedFetch(`${gateway.url}/healthz`)).status, 200);
});
