import test from 'ava';
import { postEvent, startGateway } from '../helpers/gateway.js';
import { openTestSse } from '../helpers/sse-client.js';
import { waitFor } from '../helpers/wait.js';

const STREAM = '/api/sse/stream';

const post = (url: string, n: number) =>
  postEvent(url, { event_type: 'TOMAR', tag_spool: `S-${n}`, n });

test('connected tells the resume cursor apart from the newest id, and names the heartbeat period', async (t) => {
  const gateway = await startGateway(t, { SSE_PING_INTERVAL_S: '0.05' });
  const first = await post(gateway.url, 0);
  const newest = await post(gateway.url, 1);
  // The POST answers once stored; the broadcast that moves the hub's newest id follows.
  await waitFor(() => gateway.hub.lastEventId === newest, { message: 'the broadcast of event 1' });
  const resumed = await openTestSse(t, gateway.url + STREAM, {
    headers: { 'Last-Event-ID': first },
  });
  const connected = await resumed.next((f) => f.event === 'connected');
  const retryMs = Number(/^retry: (\d+)/.exec(resumed.rawText)?.[1]);
  t.like(JSON.parse(connected.data), {
    retry_ms: retryMs,
    last_event_id: newest,
    resumed_from: first,
    heartbeat_ms: 50,
    bus: 'ok',
  });
  const fresh = await openTestSse(t, gateway.url + STREAM);
  t.like(JSON.parse((await fresh.next((f) => f.event === 'connected')).data), {
    resumed_from: null,
  });
});

test('heartbeats carry the newest event id broadcast', async (t) => {
  const gateway = await startGateway(t, { SSE_PING_INTERVAL_S: '0.05' });
  const client = await openTestSse(t, gateway.url + STREAM);
  await client.next((f) => f.event === 'connected');
  const id = await post(gateway.url, 0);
  const beat = await client.next(
    (f) => f.event === 'heartbeat' && JSON.parse(f.data).last_event_id === id,
  );
  t.like(JSON.parse(beat.data), { bus: 'ok', last_event_id: id });
});

test('a stream still catching up gets heartbeats without a resume point; once live, the newest id', async (t) => {
  const { Hub } = await import('../../src/stream/hub.js');
  const written: string[] = [];
  const hub = new Hub({
    pingIntervalMs: 3_600_000,
    sendTimeoutMs: 30_000,
    maxBufferedBytes: 1 << 20,
    retryMs: 1000,
    busHealth: () => 'ok',
  });
  t.teardown(() => hub.close());
  // What a client stream uses of its response: no socket yet, nothing buffered.
  const res = { socket: null, writableLength: 0, destroy: () => undefined };
  const client = hub.open(res as never);
  client.body.on('data', (chunk: Buffer) => written.push(chunk.toString()));
  const { frameEvents } = await import('../../src/stream/frame-events.js');
  const { storedEvent } = await import('../helpers/stored-events.js');
  const [event] = frameEvents([storedEvent('7-0')]).framed;
  hub.broadcast(event ? [{ ...event, seq: 1 }] : []);
  hub.heartbeat();
  hub.join(client, { sentSeq: 0, skipThroughId: null });
  hub.heartbeat();
  // The body hands its chunks on asynchronously: wait for both heartbeats.
  const heartbeats = () =>
    written
      .join('')
      .split('\n\n')
      .filter((f) => f.startsWith('event: heartbeat'));
  const beats = await waitFor(() => heartbeats().length === 2 && heartbeats(), {
    message: 'two heartbeats',
  });
  t.deepEqual(
    beats.map((f) => JSON.parse(f.split('data: ')[1] ?? '{}').last_event_id),
    [null, '7-0'],
  );
  t.true(client.isLive);
});
