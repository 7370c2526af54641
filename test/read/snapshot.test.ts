import test from 'ava';
import { RedisEventService } from '../../src/index.js';
import type { Service } from '../../src/service.js';
import { checkedFetch } from '../helpers/api-contract.js';
import {
  connectRedis,
  postEvent,
  publishNumbered,
  redisEnv,
  startGateway,
} from '../helpers/gateway.js';
import { openTestSse } from '../helpers/sse-client.js';
import { waitFor } from '../helpers/wait.js';

const STREAM = '/api/sse/stream';

const post = (gateway: Service, event: Record<string, unknown>) => postEvent(gateway.url, event);

// The same story on both buses: the state rules live in one place.
for (const bus of ['memory', 'redis'] as const) {
  test(`${bus}: GET /api/spools folds TOMAR, PAUSAR, COMPLETAR and STATE_CHANGE into each spool's state`, async (t) => {
    const gateway = await startGateway(t, bus === 'redis' ? await redisEnv() : {});
    await post(gateway, {
      event_type: 'TOMAR',
      tag_spool: 'SP-1',
      worker_nombre: 'MR(93)',
      estado_detalle: 'ARM: En Progreso',
      timestamp: '27-11-2026 14:30:05',
    });
    await post(gateway, {
      event_type: 'STATE_CHANGE',
      tag_spool: 'SP-1',
      estado_detalle: 'ARM: 50 %',
    });
    await post(gateway, {
      event_type: 'TOMAR',
      tag_spool: 'SP-2',
      worker_nombre: 'JP(7)',
      estado_detalle: 'SOLD: En Progreso',
    });
    await post(gateway, {
      event_type: 'PAUSAR',
      tag_spool: 'SP-2',
      worker_nombre: 'JP(7)',
      estado_detalle: 'SOLD: Pausado',
    });
    const last = await post(gateway, {
      event_type: 'COMPLETAR',
      tag_spool: 'SP-3',
      worker_nombre: 'AB(1)',
      estado_detalle: 'ARM: Completado',
      timestamp: '15-07-2026 10:00:00',
    });
    const response = await checkedFetch(`${gateway.url}/api/spools`);
    t.is(response.status, 200);
    const body = (await response.json()) as {
      epoch: string;
      as_of: string;
      incomplete: boolean;
      spools: Record<string, unknown>[];
    };
    t.is(body.as_of, last);
    t.false(body.incomplete);
    t.truthy(body.epoch);
    const [one, two, three] = body.spools;
    t.like(one, {
      tag_spool: 'SP-1',
      status: 'occupied',
      worker_nombre: 'MR(93)',
      worker: { initials: 'MR', id: 93 },
      operation: 'ARM',
      estado_detalle: 'ARM: 50 %',
    });
    t.like(two, {
      tag_spool: 'SP-2',
      status: 'paused',
      operation: 'SOLD',
      estado_detalle: 'SOLD: Pausado',
    });
    t.like(three, {
      tag_spool: 'SP-3',
      status: 'completed',
      operation: 'ARM',
      since: '2026-07-15T10:00:00-04:00',
      last_event_id: last,
    });
    // No producer timestamp: since is the storage time of the spool's last event.
    t.false(Number.isNaN(Date.parse(String(one?.since))));
  });
}

test('?snapshot=1 while events are being published: the snapshot, then every later event once, in order', async (t) => {
  const env = await redisEnv();
  const gateway = await startGateway(t, env);
  const publisher = new RedisEventService(connectRedis(t, env.REDIS_URL as string), {
    keyPrefix: env.REDIS_KEY_PREFIX,
  });
  const ids: string[] = [];
  const total = 400;
  const publishing = (async () => {
    for (let n = 0; n < total; n += 1) {
      ids.push(
        await publishNumbered(publisher, n, `SPOOL-${n % 20}`, { type: 'TOMAR', worker: 'MR(93)' }),
      );
    }
  })();
  // Connect mid-way: wait for some events first (a signal, not a sleep).
  await waitFor(() => ids.length >= 100, { message: '100 events published' });
  const client = await openTestSse(t, `${gateway.url}${STREAM}?snapshot=1`);
  const snapshotFrame = await client.next((f) => f.event === 'snapshot');
  await publishing;
  const snapshot = JSON.parse(snapshotFrame.data) as {
    as_of: string;
    spools: { last_event_id: string }[];
  };
  const asOfIndex = ids.indexOf(snapshot.as_of);
  t.true(asOfIndex >= 99, 'the snapshot is as of an event that had been published');
  // Tags cycle through SPOOL-0..SPOOL-19, so by event 99 every one of the 20 has a state.
  t.is(snapshot.spools.length, 20);
  for (const spool of snapshot.spools) {
    const index = ids.indexOf(spool.last_event_id);
    t.true(index >= 0 && index <= asOfIndex, `${spool.last_event_id} is an event up to as_of`);
  }
  const expected = ids.slice(asOfIndex + 1);
  const updates = await client.framesThrough(
    (f) => f.id === ids.at(-1),
    (f) => f.event === 'spool_update',
  );
  t.deepEqual(
    updates.map((f) => f.id),
    expected,
  );
});

test('a reconnect that carries the snapshot cursor gets replay, not a second snapshot', async (t) => {
  const gateway = await startGateway(t);
  await post(gateway, { event_type: 'TOMAR', tag_spool: 'SP-1' });
  const first = await openTestSse(t, `${gateway.url}${STREAM}?snapshot=1`);
  const snapshot = await first.next((f) => f.event === 'snapshot');
  first.close();
  const next = await post(gateway, { event_type: 'PAUSAR', tag_spool: 'SP-1' });
  // EventSource repeats the URL and adds Last-Event-ID (the snapshot's id) on reconnect.
  const again = await openTestSse(t, `${gateway.url}${STREAM}?snapshot=1`, {
    headers: { 'Last-Event-ID': snapshot.id as string },
  });
  const update = await again.next((f) => f.event === 'spool_update');
  t.is(update.id, next);
  t.false(again.frames.some((f) => f.event === 'snapshot'));
});

test('a spool state row spoolcast cannot read is left out: the snapshot and snapshot streams still work', async (t) => {
  const env = await redisEnv();
  const gateway = await startGateway(t, env);
  const redis = connectRedis(t, env.REDIS_URL);
  await redis.hset(`${env.REDIS_KEY_PREFIX}state`, 'BROKEN', 'not json');
  await post(gateway, { event_type: 'TOMAR', tag_spool: 'SP-1' });
  const body = (await (await checkedFetch(`${gateway.url}/api/spools`)).json()) as {
    spools: { tag_spool: string }[];
  };
  t.deepEqual(
    body.spools.map((s) => s.tag_spool),
    ['SP-1'],
  );
  const client = await openTestSse(t, `${gateway.url}${STREAM}?snapshot=1`);
  const snapshot = JSON.parse((await client.next((f) => f.event === 'snapshot')).data);
  t.deepEqual(
    snapshot.spools.map((s: { tag_spool: string }) => s.tag_spool),
    ['SP-1'],
  );
});
