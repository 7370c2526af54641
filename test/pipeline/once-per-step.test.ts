import test from 'ava';
import {
  connectRedis,
  metricValue,
  redisEnv,
  spoolEvent,
  startGateway,
} from '../helpers/gateway.js';
import { openTestSse } from '../helpers/sse-client.js';
import { waitFor } from '../helpers/wait.js';

test('a plain PUBLISH is parsed and validated once per gateway: every replica finishes it from its own check pass', async (t) => {
  const env = await redisEnv('once');
  const gateways = [await startGateway(t, env), await startGateway(t, env)];
  const clients = await Promise.all(gateways.map((g) => openTestSse(t, `${g.url}/api/sse/stream`)));
  await Promise.all(clients.map((c) => c.next((f) => f.event === 'connected')));
  const producer = connectRedis(t, env.REDIS_URL as string);
  for (let n = 0; n < 50; n += 1)
    await producer.publish(env.SPOOLS_CHANNEL as string, spoolEvent(n % 5));
  await Promise.all(clients.map((c) => c.waitForFrames(50, (f) => f.event === 'spool_update')));
  for (const gateway of gateways) {
    t.is(await metricValue(gateway, 'spoolcast_enrichments_total', { where: 'check_pass' }), 50);
    t.is(await metricValue(gateway, 'spoolcast_enrichments_total', { where: 'pool' }), 0);
  }
  t.deepEqual(
    clients[0]?.frames.filter((f) => f.event === 'spool_update').map((f) => f.data),
    clients[1]?.frames.filter((f) => f.event === 'spool_update').map((f) => f.data),
  );
});

test('a POSTed event is parsed once on each gateway: the receiver reuses its own validation, the others enrich in the pool', async (t) => {
  const env = await redisEnv('once');
  const [receiver, other] = [await startGateway(t, env), await startGateway(t, env)];
  if (!receiver || !other) return t.fail();
  const clients = await Promise.all(
    [receiver, other].map((g) => openTestSse(t, `${g.url}/api/sse/stream`)),
  );
  await Promise.all(clients.map((c) => c.next((f) => f.event === 'connected')));
  const posted = await fetch(`${receiver.url}/api/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: spoolEvent(1, { note: 'ñ\u2028' }),
  });
  t.is(posted.status, 202);
  const frames = await Promise.all(clients.map((c) => c.next((f) => f.event === 'spool_update')));
  t.is(frames[0]?.data, frames[1]?.data, 'the same bytes either way');
  const count = (g: typeof receiver, where: string) =>
    metricValue(g, 'spoolcast_enrichments_total', { where });
  await waitFor(async () => (await count(other, 'pool')) === 1, {
    message: 'the other gateway enriched it in the pool',
  });
  t.is(await count(receiver, 'check_pass'), 1);
  t.is(await count(receiver, 'pool'), 0);
  t.is(await count(other, 'check_pass'), 0);
});
