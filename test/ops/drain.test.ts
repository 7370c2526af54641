/**
 * SIGTERM under load behind nginx (configured from the ingress-nginx overlay): 80 streams
 * over gateways A and B while events are published through B; A gets SIGTERM.
 * Readiness flips at once; the streams are closed spread over SHUTDOWN_DRAIN_S (the process
 * reports its own first and last close); every client resumes on B with every acknowledged
 * event once and in order; A exits 0 on its own and logs one line saying what it drained.
 */
import test from 'ava';
import { checkedFetch } from '../helpers/api-contract.js';
import { ownRedisEnv } from '../helpers/gateway.js';
import { startServiceProcess } from '../helpers/gateway-process.js';
import { locationFromAnnotations, startNginx } from '../helpers/proxies.js';
import { startHttpPublisher } from '../helpers/publisher.js';
import { type ResumingClient, startResumingClient } from '../helpers/resuming-client.js';
import { waitFor } from '../helpers/wait.js';
import { only, render } from '../k8s/render.js';

const STREAMS = 80;
const WINDOW_MS = 2000;

test('SIGTERM behind nginx drains the streams spread over the window onto the other gateway with no acknowledged event lost', async (t) => {
  t.timeout(180_000);
  const { env } = await ownRedisEnv(t);
  const common = { ...env, LOG_LEVEL: 'info', SSE_RETRY_MS: '100', DRAIN_DELAY_S: '0.3' };
  const [a, b] = await Promise.all([
    startServiceProcess(t, { ...common, SHUTDOWN_DRAIN_S: String(WINDOW_MS / 1000) }),
    startServiceProcess(t, common),
  ]);
  const location = locationFromAnnotations(
    only(render('overlays/ingress-nginx'), 'Ingress').metadata.annotations,
  );
  const hostPort = (url: string) => url.replace('http://', '');
  const proxy = await startNginx(t, [hostPort(a.url), hostPort(b.url)], location);
  const clients: ResumingClient[] = await Promise.all(
    Array.from({ length: STREAMS }, () => startResumingClient(t, [`${proxy}/api/sse/stream`])),
  );
  const closedAt: number[] = [];
  await Promise.all(
    clients.map((c) =>
      c.waitUntil((x) => x.frames.some((f) => f.event === 'connected'), 'connected'),
    ),
  );
  const publisher = startHttpPublisher(t, () => [b.url], 'drain');
  await publisher.waitForAcks(5);

  // nginx spread the streams over both gateways; A's share is what its drain must close.
  const onA = ((await (await checkedFetch(`${a.url}/readyz`)).json()) as { open_streams: number })
    .open_streams;
  t.true(onA >= 2 && onA < STREAMS, `streams on A: ${onA}`);
  // When each client's first session ended, as the client saw it.
  const recorded = new Set<ResumingClient>();
  const recorder = setInterval(() => {
    for (const c of clients) {
      if (c.connections >= 2 && !recorded.has(c)) {
        recorded.add(c);
        closedAt.push(performance.now());
      }
    }
  }, 5);
  t.teardown(() => clearInterval(recorder));

  a.child.kill('SIGTERM');
  await waitFor(async () => (await fetch(`${a.url}/readyz`).catch(() => null))?.status === 503, {
    message: 'readiness of A to turn 503 after SIGTERM',
  });
  await waitFor(() => recorded.size >= onA, {
    timeoutMs: 60_000,
    message: `the ${onA} streams on A to reconnect`,
  });
  clearInterval(recorder);
  const [code, signal] = await a.exited;
  t.is(signal, null);
  t.is(code, 0, a.output());

  const acked = await publisher.stop();
  t.true(acked.length >= 5);
  for (const client of clients) {
    await client.waitUntil(
      (x) => x.updates().filter((f) => f.id === acked.at(-1)?.id).length > 0,
      'the last acknowledged event',
    );
    // Publishing began after every client was connected: each saw exactly the acknowledged
    // events, once, in publish order, across its sessions.
    t.deepEqual(
      client.updates().map((f) => f.id),
      acked.map((x) => x.id),
    );
  }

  // The one drain line: every stream closed by the drain, closes spread over the window.
  const lines = a
    .output()
    .split('\n')
    .filter((line) => line.includes('"msg":"drained"'));
  t.is(lines.length, 1, a.output());
  const report = JSON.parse(lines[0] as string) as Record<string, number>;
  t.log(lines[0]);
  t.is(report.streams, onA);
  t.is(report.streamsClosed, onA);
  t.true((report.lastCloseMs as number) - (report.firstCloseMs as number) >= 100, lines[0]);
  t.true((report.lastCloseMs as number) < WINDOW_MS + 1000);
  // As the clients saw it: not all in one 100 ms bucket.
  const buckets = new Set(closedAt.map((ms) => Math.floor(ms / 100)));
  t.true(buckets.size >= 2, `close times ${closedAt.map(Math.round).join(',')}`);
});

test('a second signal during the drain exits at once', async (t) => {
  const run = await startServiceProcess(t, { DRAIN_DELAY_S: '600', LOG_LEVEL: 'info' });
  run.child.kill('SIGTERM');
  await waitFor(async () => (await fetch(`${run.url}/readyz`).catch(() => null))?.status === 503, {
    message: 'readiness to turn 503 after the first SIGTERM',
  });
  run.child.kill('SIGTERM');
  const [code] = await run.exited;
  t.is(code, 143);
  t.regex(run.output(), /second signal: exiting without draining/);
});
