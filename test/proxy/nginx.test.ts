/**
 * Debian's nginx configured as ingress-nginx renders spoolcast's location (the overlay's
 * annotations over the controller defaults) in front of two gateways.
 */
import test from 'ava';
import { redisEnv, startGateway } from '../helpers/gateway.js';
import { locationFromAnnotations, startNginx } from '../helpers/proxies.js';
import { openTestSse } from '../helpers/sse-client.js';
import { only, render } from '../k8s/render.js';
import { expectEventsAtOnce, heartbeatSpanMs } from './stream-checks.js';

const overlayLocation = () =>
  locationFromAnnotations(only(render('overlays/ingress-nginx'), 'Ingress').metadata.annotations);
const hostPort = (url: string) => url.replace('http://', '');

test('through nginx as the ingress-nginx overlay configures it, each event reaches every client on both gateways at once', async (t) => {
  const env = { ...(await redisEnv('nginx')), SSE_PING_INTERVAL_S: '3600' };
  const gateways = [await startGateway(t, env), await startGateway(t, env)];
  const location = overlayLocation();
  t.is(location.proxyBuffering, 'off');
  t.true(location.proxyReadTimeoutS >= 3600);
  const proxy = await startNginx(
    t,
    gateways.map((g) => hostPort(g.url)),
    location,
  );
  const clients = [];
  for (let i = 0; i < 4; i += 1) {
    const client = await openTestSse(t, `${proxy}/api/sse/stream`);
    await client.next((f) => f.event === 'connected');
    clients.push(client);
  }
  t.true(
    gateways.every((g) => g.hub.size >= 1),
    'nginx spread the streams over both gateways',
  );
  t.false('x-accel-buffering' in (clients[0]?.headers ?? {}), 'nginx consumes X-Accel-Buffering');
  await expectEventsAtOnce(t, gateways[0] as (typeof gateways)[0], clients, 3);
});

test("a stream outlives nginx's read timeout thanks to the heartbeat; without one nginx cuts it", async (t) => {
  const env = await redisEnv('nginxto');
  const beating = await startGateway(t, { ...env, SSE_PING_INTERVAL_S: '0.25' });
  const silent = await startGateway(t, { ...env, SSE_PING_INTERVAL_S: '3600' });
  // 1 s stands in for the 60 s default the overlay raises to 3600 s.
  const short = { ...overlayLocation(), proxyReadTimeoutS: 1 };
  const [viaBeating, viaSilent] = await Promise.all([
    startNginx(t, [hostPort(beating.url)], short),
    startNginx(t, [hostPort(silent.url)], short),
  ]);
  const kept = await openTestSse(t, `${viaBeating}/api/sse/stream`);
  const cut = await openTestSse(t, `${viaSilent}/api/sse/stream`);
  t.true((await heartbeatSpanMs(kept, 3000)) >= 3000);
  t.false(kept.isClosed);
  await cut.closed; // the control: the read timeout is real
  t.is(cut.frames.filter((f) => f.event === 'heartbeat').length, 0);
});
