/**
 * The hub on real sockets, without the rest of the gateway: how batches are sliced and
 * joined on their way to every client.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import test, { type ExecutionContext } from 'ava';
import { Hub, type HubOptions } from '../../src/stream/hub.js';
import { formatSpoolUpdate } from '../../src/stream/sse-frame.js';
import { openTestSse, type SseClient } from '../helpers/sse-client.js';
import { waitFor } from '../helpers/wait.js';

/** A real HTTP server whose every request becomes one hub client, as the stream route does. */
async function serveHub(t: ExecutionContext, hub: Hub, count: number): Promise<SseClient[]> {
  const server = http.createServer((req, res) => {
    res.useChunkedEncodingByDefault = false;
    res.setHeader('Content-Type', 'text/event-stream');
    const client = hub.add(res);
    res.flushHeaders();
    client.body.pipe(req.socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    hub.close();
    server.closeAllConnections();
    server.close();
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const clients: SseClient[] = [];
  for (let i = 0; i < count; i += 1) {
    const client = await openTestSse(t, url);
    await client.next((f) => f.event === 'connected');
    clients.push(client);
  }
  return clients;
}

/** A hub with no heartbeat during the test and generous slow-client limits. */
function quietHub(options: Partial<HubOptions>): Hub {
  return new Hub({
    pingIntervalMs: 3_600_000,
    sendTimeoutMs: 30_000,
    maxBufferedBytes: 8 * 1024 * 1024,
    retryMs: 1000,
    busHealth: () => 'ok',
    ...options,
  });
}

function batch(id: string) {
  const frame = formatSpoolUpdate(id, `{"n":"${id}"}`);
  return { text: frame, entries: [{ id, frame }], lastId: id };
}

test('batches that wait behind a walk in progress are joined into one write per client, in order', async (t) => {
  const walks: { clients: number; events: number }[] = [];
  const pending: number[] = [];
  const hub = quietHub({
    fanOutSlice: 1,
    onDelivered: (clients, events) => walks.push({ clients, events }),
    onPendingChange: (bytes) => pending.push(bytes),
  });
  const clients = await serveHub(t, hub, 3);
  // The first walk starts at once (one client per slice); the second waits behind it and
  // the third and fourth join the second.
  let queued = 0;
  for (const id of ['1-0', '2-0', '3-0', '4-0']) {
    const { text, entries, lastId } = batch(id);
    hub.broadcast(text, entries, lastId);
    queued += Buffer.byteLength(text);
  }
  t.is(hub.lastEventId, null, 'the first walk has reached one client only');
  t.is(pending.at(-1), queued, 'all four batches are pending');
  for (const client of clients) {
    await client.waitForFrames(4, (f) => f.event === 'spool_update', { timeoutMs: 30_000 });
    t.deepEqual(
      client.frames.filter((f) => f.event === 'spool_update').map((f) => f.id),
      ['1-0', '2-0', '3-0', '4-0'],
    );
  }
  // The walk notices it is done on its next slice, after the last client's write.
  await waitFor(() => hub.lastEventId === '4-0', { message: 'the second walk to finish' });
  t.deepEqual(walks, [
    { clients: 3, events: 1 },
    { clients: 3, events: 3 },
  ]);
  t.is(pending.at(-1), 0, 'nothing pending once both walks are done');
});

test('with the default slice a small fan-out completes at once', async (t) => {
  const walks: number[] = [];
  const hub = quietHub({ onDelivered: (_clients, events) => walks.push(events) });
  const clients = await serveHub(t, hub, 3);
  for (const id of ['1-0', '2-0']) {
    const { text, entries, lastId } = batch(id);
    hub.broadcast(text, entries, lastId);
    t.is(hub.lastEventId, id);
  }
  t.deepEqual(walks, [1, 1]);
  for (const client of clients) {
    await client.waitForFrames(2, (f) => f.event === 'spool_update', { timeoutMs: 30_000 });
  }
});
