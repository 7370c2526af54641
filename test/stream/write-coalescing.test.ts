/**
 * Write coalescing (SSE_WRITE_WINDOW_MS): batches that come within the window of the last
 * fan-out share one write per stream; a batch to an idle hub is written at once; a window
 * never holds more than its byte bound; closing writes what was held.
 */
import test from 'ava';
import { frameEvents, type LogEntry } from '../../src/stream/frame-events.js';
import { Hub } from '../../src/stream/hub.js';
import { storedEvent } from '../helpers/stored-events.js';
import { waitFor } from '../helpers/wait.js';

let seq = 0;
const batch = (...ids: string[]): LogEntry[] =>
  frameEvents(ids.map((id) => storedEvent(id))).framed.map((e) => ({ ...e, seq: ++seq }));

/** A hub with one live stream whose body chunks (one per write) are recorded. */
function liveStream(t: { teardown(fn: () => void): void }, writeWindowMs: number) {
  const hub = new Hub({
    pingIntervalMs: 3_600_000,
    sendTimeoutMs: 30_000,
    maxBufferedBytes: 64 << 20,
    retryMs: 1000,
    busHealth: () => 'ok',
    writeWindowMs,
  });
  t.teardown(() => hub.close());
  // What a stream uses of its response: no socket yet, nothing buffered.
  const client = hub.open({ socket: null, writableLength: 0, destroy: () => undefined } as never);
  hub.join(client, { sentSeq: 0, skipThroughId: null });
  const writes: string[][] = [];
  client.body.on('data', (chunk: Buffer) => {
    const ids = [...chunk.toString().matchAll(/^id: (\S+)$/gm)].map((m) => m[1] as string);
    if (ids.length > 0) writes.push(ids);
  });
  return { hub, writes };
}

test('a batch to an idle hub is written at once, even with a long window', async (t) => {
  const { hub, writes } = liveStream(t, 60_000);
  hub.broadcast(batch('1-0'));
  await waitFor(() => writes.length === 1, { message: 'the lone event written' });
  t.deepEqual(writes, [['1-0']]);
});

test('batches within the window share one write at its end, in order', async (t) => {
  const { hub, writes } = liveStream(t, 50);
  hub.broadcast(batch('1-0'));
  hub.broadcast(batch('2-0'));
  hub.broadcast(batch('3-0', '4-0'));
  await waitFor(() => writes.length === 2, { message: 'the window to be written' });
  t.deepEqual(writes, [['1-0'], ['2-0', '3-0', '4-0']]);
});

test('a window never holds more than its byte bound: a large batch goes out without waiting', async (t) => {
  const { hub, writes } = liveStream(t, 60_000);
  hub.broadcast(batch('1-0'));
  // Five 60 KB events: more than the window's byte bound (256 KiB).
  const pad = 'x'.repeat(60_000);
  const ids = ['2-0', '2-1', '2-2', '2-3', '2-4'];
  const events = ids.map((id) =>
    storedEvent(id, JSON.stringify({ event_type: 'TOMAR', tag_spool: 'S', pad })),
  );
  const big = frameEvents(events).framed.map((e) => ({ ...e, seq: ++seq }));
  hub.broadcast(big);
  await waitFor(() => writes.flat().length === 6, {
    message: 'the large batch written before the window ends',
  });
  t.deepEqual(writes.flat(), ['1-0', ...ids]);
});

test('closing the hub writes what a window held', async (t) => {
  const { hub, writes } = liveStream(t, 60_000);
  hub.broadcast(batch('1-0'));
  hub.broadcast(batch('2-0'));
  hub.close();
  await waitFor(() => writes.flat().length === 2, { message: 'the held batch written at close' });
  t.deepEqual(writes.flat(), ['1-0', '2-0']);
});
