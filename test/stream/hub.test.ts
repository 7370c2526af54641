/**
 * The hub on real sockets, without the rest of the gateway: how batches are sliced and
 * joined on their way to every client.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import test, { type ExecutionContext } from 'ava';
import type { StreamFilter } from '../../src/domain/stream-filter.js';
import { attachStream } from '../../src/http/attach-stream.js';
import { frameEvents, type LogEntry } from '../../src/stream/frame-events.js';
import { type DeliveredWalk, Hub, type HubOptions } from '../../src/stream/hub.js';
import { openTestSse, type SseClient } from '../helpers/sse-client.js';
import { storedEvent } from '../helpers/stored-events.js';
import { waitFor } from '../helpers/wait.js';

/**
 * A real HTTP server whose every request becomes one live hub client, with the stream
 * route's socket wiring (attachStream); `filterOf(n)` gives the n-th client's filter.
 */
async function serveHub(
  t: ExecutionContext,
  hub: Hub,
  count: number,
  filterOf: (n: number) => StreamFilter | undefined = () => undefined,
): Promise<SseClient[]> {
  let opened = 0;
  const server = http.createServer((req, res) => {
    const filter = filterOf(opened++);
    const client = hub.open(res, filter ? { filter } : {});
    hub.join(client, { sentSeq: 0, skipThroughId: null });
    attachStream(req, res, client.body);
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

let seq = 0;
/** Log entries for stored events `ids`, numbered as the log would. */
function batch(...ids: string[]): LogEntry[] {
  return frameEvents(ids.map((id) => storedEvent(id))).framed.map((e) => ({ ...e, seq: ++seq }));
}

const updates = (client: SseClient) =>
  client.frames.filter((f) => f.event === 'spool_update').map((f) => f.id);

test('batches that wait behind a walk in progress are joined into one write per client, in order', async (t) => {
  const walks: { clients: number; events: number }[] = [];
  const pending: number[] = [];
  const hub = quietHub({
    fanOutSlice: 1,
    onDelivered: ({ clients, events }) => walks.push({ clients, events }),
    onPendingChange: (bytes) => pending.push(bytes),
  });
  const clients = await serveHub(t, hub, 3);
  // The first walk starts at once (one client per slice); the second waits behind it and
  // the third and fourth join the second.
  let queued = 0;
  for (const id of ['1-0', '2-0', '3-0', '4-0']) {
    const entries = batch(id);
    hub.broadcast(entries);
    queued += Buffer.byteLength(entries.map((e) => e.frame).join(''));
  }
  t.is(hub.lastEventId, null, 'the first walk has reached one client only');
  t.is(pending.at(-1), queued, 'all four batches are pending');
  for (const client of clients) {
    await client.next((f) => f.id === '4-0', { timeoutMs: 30_000 });
    t.deepEqual(updates(client), ['1-0', '2-0', '3-0', '4-0']);
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
  const hub = quietHub({ onDelivered: ({ events }) => walks.push(events) });
  const clients = await serveHub(t, hub, 3);
  for (const id of ['1-0', '2-0']) {
    hub.broadcast(batch(id));
    t.is(hub.lastEventId, id);
  }
  t.deepEqual(walks, [1, 1]);
  for (const client of clients) {
    await client.next((f) => f.id === '2-0', { timeoutMs: 30_000 });
    t.deepEqual(updates(client), ['1-0', '2-0']);
  }
});

/** A filter on tags, counting how often it is asked. */
function tagFilter(key: string, tags: string[]) {
  const filter = {
    key,
    calls: 0,
    matches: (meta: { tag: string }) => {
      filter.calls += 1;
      return tags.includes(meta.tag);
    },
    matchesRow: () => true,
  };
  return filter;
}

test('streams with one filter share one selection per event; each gets exactly what it selects', async (t) => {
  const walks: DeliveredWalk[] = [];
  const hub = quietHub({ onDelivered: (walk) => walks.push(walk) });
  const odd = tagFilter('odd', ['SPOOL-1', 'SPOOL-3']);
  const clients = await serveHub(t, hub, 4, (n) => (n < 3 ? odd : undefined));
  hub.broadcast(batch('1-0', '2-0', '3-0', '4-0'));
  for (const client of clients) {
    await client.next((f) => f.id === '3-0' || f.id === '4-0');
  }
  await clients[3]?.next((f) => f.id === '4-0');
  t.is(odd.calls, 4, 'four events, one filter: four matches, not one per client');
  for (const client of clients.slice(0, 3)) t.deepEqual(updates(client), ['1-0', '3-0']);
  t.deepEqual(updates(clients[3] as SseClient), ['1-0', '2-0', '3-0', '4-0']);
  t.like(
    walks,
    [{ clients: 4, events: 4, deliveries: 3 * 2 + 4 }],
    'deliveries count frames written',
  );
});

test('a stream joins after what its catch-up wrote: earlier entries and those through the skip mark are not written again', async (t) => {
  const hub = quietHub({});
  const positions = [
    { sentSeq: 0, skipThroughId: null },
    { sentSeq: 0, skipThroughId: null },
    { sentSeq: 0, skipThroughId: '3-0' },
  ];
  let opened = 0;
  const server = http.createServer((req, res) => {
    const client = hub.open(res);
    hub.join(client, positions[opened++] as (typeof positions)[number]);
    attachStream(req, res, client.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    hub.close();
    server.closeAllConnections();
    server.close();
  });
  const first = batch('1-0', '2-0');
  (positions[1] as { sentSeq: number }).sentSeq = (first[0] as LogEntry).seq;
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const clients: SseClient[] = [];
  for (let i = 0; i < 3; i += 1) {
    const client = await openTestSse(t, url);
    await client.next((f) => f.event === 'connected');
    clients.push(client);
  }
  hub.broadcast(first);
  hub.broadcast(batch('3-0', '4-0'));
  for (const client of clients) await client.next((f) => f.id === '4-0');
  t.deepEqual(clients.map(updates), [['1-0', '2-0', '3-0', '4-0'], ['2-0', '3-0', '4-0'], ['4-0']]);
});
