import test from 'ava';
import type { Service } from '../../src/service.js';
import { metricValue, spoolEvent, startGateway, storeRequest } from '../helpers/gateway.js';
import { openTestSse, type SseClient, type SseFrame } from '../helpers/sse-client.js';
import { waitFor } from '../helpers/wait.js';

const PAD = 'x'.repeat(8 * 1024);
const STREAM = '/api/sse/stream';

// Publishes 8 KiB events in rounds until `isDone` (a signal, checked between rounds).
async function publishUntil(
  gateway: Service,
  isDone: () => boolean,
  maxRounds = 200,
): Promise<number> {
  let n = 0;
  for (let round = 0; round < maxRounds && !isDone(); round += 1) {
    const stored = await Promise.all(
      Array.from({ length: 50 }, () =>
        gateway.store.store(storeRequest(spoolEvent(n++, { pad: PAD }))),
      ),
    );
    const last = stored.at(-1);
    const lastId = last?.ok ? last.id : null;
    await waitFor(() => gateway.hub.lastEventId === lastId, {
      message: 'the round to be broadcast',
    });
  }
  return n;
}

async function stalledAndHealthy(gateway: Service, t: Parameters<typeof openTestSse>[0]) {
  const stalled = await openTestSse(t, gateway.url + STREAM, { pause: true });
  const healthy = await openTestSse(t, gateway.url + STREAM);
  await healthy.next((f) => f.event === 'connected');
  await waitFor(() => gateway.hub.size === 2, { message: 'both clients registered' });
  // The server side tells: a paused client socket does not read, so it cannot see the close.
  return { stalled, healthy, isCut: () => gateway.hub.size === 1 };
}

test('a stalled reader is cut after the send timeout while another client keeps receiving', async (t) => {
  const gateway = await startGateway(t, {
    SSE_SEND_TIMEOUT_S: '1',
    SSE_MAX_BUFFERED_BYTES: String(256 * 1024 * 1024),
  });
  const { healthy, isCut } = await stalledAndHealthy(gateway, t);
  const published = await publishUntil(gateway, isCut);
  t.true(isCut(), 'the stalled client was cut');
  t.is(await metricValue(gateway, 'spoolcast_clients_cut_total', { reason: 'send_timeout' }), 1);
  const isLast = (f: SseFrame) =>
    f.event === 'spool_update' && JSON.parse(f.data).n === published - 1;
  const frames = await healthy.framesThrough(isLast, (f) => f.event === 'spool_update', {
    timeoutMs: 60_000,
  });
  t.deepEqual(
    frames.map((f) => JSON.parse(f.data).n),
    Array.from({ length: published }, (_, n) => n),
  );
  await waitFor(() => gateway.hub.size === 1, { message: 'the cut client to be released' });
});

test('a reader whose pending data passes the cap is cut', async (t) => {
  const gateway = await startGateway(t, {
    SSE_SEND_TIMEOUT_S: '600',
    SSE_MAX_BUFFERED_BYTES: String(512 * 1024),
  });
  const { isCut } = await stalledAndHealthy(gateway, t);
  await publishUntil(gateway, isCut);
  t.true(isCut(), 'the stalled client was cut');
  t.is(await metricValue(gateway, 'spoolcast_clients_cut_total', { reason: 'buffer_overflow' }), 1);
});

// Reads at a steady `bytesPerSecond`: always progressing, always behind during a burst.
function throttle(client: SseClient, bytesPerSecond: number): () => void {
  const started = Date.now();
  client.pauseReading();
  const timer = setInterval(() => {
    const budget = ((Date.now() - started) / 1000) * bytesPerSecond;
    if (client.bytesReceived < budget) client.resumeReading();
    else client.pauseReading();
  }, 5);
  return () => {
    clearInterval(timer);
    client.resumeReading();
  };
}

test('a client that reads slowly but steadily through a large burst is not cut', async (t) => {
  const gateway = await startGateway(t, {
    SSE_SEND_TIMEOUT_S: '2',
    SSE_MAX_BUFFERED_BYTES: String(256 * 1024 * 1024),
  });
  const started = Date.now();
  const slow = await openTestSse(t, gateway.url + STREAM);
  await slow.next((f) => f.event === 'connected');
  const stop = throttle(slow, 4 * 1024 * 1024);
  t.teardown(stop);
  // Sized so the client stays behind for longer than the send timeout (checked below).
  const total = 2000;
  await Promise.all(
    Array.from({ length: total }, (_, n) =>
      gateway.store.store(storeRequest(spoolEvent(n, { pad: PAD }))),
    ),
  );
  const isLast = (f: SseFrame) => f.event === 'spool_update' && JSON.parse(f.data).n === total - 1;
  const frames = await slow.framesThrough(isLast, (f) => f.event === 'spool_update', {
    timeoutMs: 120_000,
  });
  t.deepEqual(
    frames.map((f) => JSON.parse(f.data).n),
    Array.from({ length: total }, (_, n) => n),
  );
  t.is(await metricValue(gateway, 'spoolcast_clients_cut_total', { reason: 'send_timeout' }), 0);
  t.is(gateway.hub.size, 1);
  // Not a timing threshold on the system under test: it checks the scenario really lagged
  // past the send timeout, so the test would catch a "cut on any backlog" rule.
  t.true(
    Date.now() - started > 2000,
    'the burst kept the client behind for longer than the timeout',
  );
});
