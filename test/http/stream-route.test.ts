import net from 'node:net';
import test from 'ava';
import { EventSource } from 'eventsource';
import { checkedFetch } from '../helpers/api-contract.js';
import {
  connectRedis,
  metricValue,
  PRODUCER_MESSAGE,
  redisEnv,
  startGateway,
} from '../helpers/gateway.js';
import { openTestSse } from '../helpers/sse-client.js';
import { waitFor, withDeadline } from '../helpers/wait.js';

const STREAM = '/api/sse/stream';

test('the stream answers with the contract headers and the connect frames', async (t) => {
  const gateway = await startGateway(t, await redisEnv());
  const client = await openTestSse(t, gateway.url + STREAM);
  t.is(client.status, 200);
  t.is(client.headers['content-type'], 'text/event-stream');
  t.is(client.headers['cache-control'], 'no-cache, no-transform');
  t.is(client.headers['x-accel-buffering'], 'no');
  // Close-delimited: the frames are the body, with no chunked framing.
  t.is(client.headers.connection, 'close');
  t.is(client.headers['transfer-encoding'], undefined);
  const connected = await client.next((f) => f.event === 'connected');
  t.regex(client.rawText, /^retry: \d+\n\nevent: connected\ndata: /);
  t.is(connected.id, undefined);
  t.like(JSON.parse(connected.data), { last_event_id: null, bus: 'ok' });
  t.false(Number.isNaN(Date.parse(JSON.parse(connected.data).server_time)));
});

test('a stream request pipelined behind a stream on the same connection opens nothing', async (t) => {
  const gateway = await startGateway(t);
  const { port } = new URL(gateway.url);
  const socket = net.connect(Number(port), '127.0.0.1');
  t.teardown(() => socket.destroy());
  let text = '';
  socket.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
  });
  const request = `GET ${STREAM} HTTP/1.1\r\nHost: x\r\n\r\n`;
  // Both requests in one write: the server parses and handles them in one go.
  socket.write(request + request);
  await waitFor(() => text.includes('event: connected'), { message: 'the first stream' });
  const answer = await checkedFetch(`${gateway.url}/api/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ event_type: 'TOMAR', tag_spool: 'PIPELINED' }),
  });
  t.is(answer.status, 202);
  await waitFor(() => text.includes('PIPELINED'), { message: 'the event on the first stream' });
  t.is(text.split('event: connected').length - 1, 1);
  t.is(text.split('event: spool_update').length - 1, 1);
  t.is(gateway.hub.size, 1);
});

test('HEAD answers the stream headers with no body and opens no stream', async (t) => {
  const gateway = await startGateway(t);
  const response = await checkedFetch(gateway.url + STREAM, { method: 'HEAD' });
  t.is(response.status, 200);
  t.is(response.headers.get('content-type'), 'text/event-stream');
  t.is(await response.text(), '');
  t.is(gateway.hub.size, 0);
});

test('HEAD answers what GET would: 400 for a bad filter, 429 past the per-address limit', async (t) => {
  const gateway = await startGateway(t, { SSE_MAX_CLIENTS_PER_IP: '1' });
  const status = async (query: string, method: 'GET' | 'HEAD') =>
    (await checkedFetch(gateway.url + STREAM + query, { method })).status;
  t.deepEqual([await status('?bogus=1', 'HEAD'), await status('?bogus=1', 'GET')], [400, 400]);
  t.is(await status('', 'HEAD'), 200);
  const first = await openTestSse(t, gateway.url + STREAM);
  await first.next((f) => f.event === 'connected');
  t.deepEqual([await status('', 'HEAD'), await status('', 'GET')], [429, 429]);
});

test('HEAD answers what GET would when the replica is full: 503', async (t) => {
  const gateway = await startGateway(t, { SSE_MAX_CLIENTS: '1' });
  const url = gateway.url + STREAM;
  const first = await openTestSse(t, url);
  await first.next((f) => f.event === 'connected');
  const head = await checkedFetch(url, { method: 'HEAD' });
  const get = await checkedFetch(url);
  t.deepEqual([head.status, get.status], [503, 503]);
});

test("a plain PUBLISH of the producer's exact message reaches an EventSource enriched", async (t) => {
  const env = await redisEnv();
  const gateway = await startGateway(t, env);
  const source = new EventSource(gateway.url + STREAM);
  t.teardown(() => source.close());
  const received = new Promise<MessageEvent>((resolve) =>
    source.addEventListener('spool_update', resolve),
  );
  await withDeadline(
    new Promise((resolve) => source.addEventListener('connected', resolve)),
    20_000,
    'the connected frame',
  );
  const producer = connectRedis(t, env.REDIS_URL as string);
  await producer.publish(env.SPOOLS_CHANNEL as string, PRODUCER_MESSAGE);
  const event = await withDeadline(received, 20_000, 'the spool_update event');
  const data = JSON.parse(event.data);
  const { spoolcast, ...producerFields } = data;
  t.deepEqual(producerFields, JSON.parse(PRODUCER_MESSAGE));
  t.is(event.lastEventId, spoolcast.id);
  t.regex(spoolcast.id, /^\d+-\d+$/);
  t.false(Number.isNaN(Date.parse(spoolcast.received_at)));
  t.deepEqual(
    { ...spoolcast, id: undefined, received_at: undefined },
    {
      id: undefined,
      received_at: undefined,
      timestamp: '2026-11-27T14:30:05-03:00',
      worker: { initials: 'MR', id: 93 },
      operation: 'ARM',
      state: 'En Progreso',
    },
  );
});

test('an idle stream gets heartbeats carrying the bus state', async (t) => {
  const gateway = await startGateway(t, { ...(await redisEnv()), SSE_PING_INTERVAL_S: '0.05' });
  const client = await openTestSse(t, gateway.url + STREAM);
  const beats = await client.waitForFrames(2, (f) => f.event === 'heartbeat');
  for (const beat of beats) t.like(JSON.parse(beat.data), { bus: 'ok' });
});

test('a disconnect releases the client at once', async (t) => {
  const gateway = await startGateway(t);
  const client = await openTestSse(t, gateway.url + STREAM);
  await client.next((f) => f.event === 'connected');
  t.is(gateway.hub.size, 1);
  t.is(await metricValue(gateway, 'spoolcast_open_streams'), 1);
  client.close();
  await waitFor(() => gateway.hub.size === 0, { message: 'the hub to drop the client' });
  t.is(await metricValue(gateway, 'spoolcast_open_streams'), 0);
});
