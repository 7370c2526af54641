/** Debian's haproxy with a 1 s `timeout server`/`client` in front of two gateways. */
import test from 'ava';
import { redisEnv, startGateway } from '../helpers/gateway.js';
import { startHaproxy } from '../helpers/proxies.js';
import { openTestSse } from '../helpers/sse-client.js';
import { expectEventsAtOnce, heartbeatSpanMs } from './stream-checks.js';

const TIMEOUT_S = 1;
const hostPort = (url: string) => url.replace('http://', '');

test('through haproxy each event reaches the client at once, and heartbeats keep the stream past timeout server', async (t) => {
  const env = { ...(await redisEnv('haproxy')), SSE_PING_INTERVAL_S: '0.25' };
  const gateways = [await startGateway(t, env), await startGateway(t, env)];
  const proxy = await startHaproxy(
    t,
    gateways.map((g) => hostPort(g.url)),
    TIMEOUT_S,
  );
  const clients = [
    await openTestSse(t, `${proxy}/api/sse/stream`),
    await openTestSse(t, `${proxy}/api/sse/stream`),
  ];
  await Promise.all(clients.map((c) => c.next((f) => f.event === 'connected')));
  t.true(
    gateways.every((g) => g.hub.size === 1),
    'haproxy spread the streams over both gateways',
  );
  await expectEventsAtOnce(t, gateways[1] as (typeof gateways)[1], clients, 3);
  for (const client of clients)
    t.true((await heartbeatSpanMs(client, TIMEOUT_S * 3000)) >= TIMEOUT_S * 3000);
  t.true(clients.every((c) => !c.isClosed));
});

test('without a heartbeat under timeout server, haproxy cuts the stream (the control)', async (t) => {
  const gateway = await startGateway(t, {
    ...(await redisEnv('haproxycut')),
    SSE_PING_INTERVAL_S: '3600',
  });
  const proxy = await startHaproxy(t, [hostPort(gateway.url)], TIMEOUT_S);
  const client = await openTestSse(t, `${proxy}/api/sse/stream`);
  await client.next((f) => f.event === 'connected');
  await client.closed;
  t.is(client.frames.filter((f) => f.event === 'heartbeat').length, 0);
});
