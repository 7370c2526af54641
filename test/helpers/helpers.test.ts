import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import test, { type ExecutionContext } from 'ava';
import { Redis } from 'ioredis';
import { getFreePort } from './free-port.js';
import { startTestRedis, uniquePrefix } from './redis-server.js';
import { createSseParser, openTestSse, type SseFrame } from './sse-client.js';
import { once, WaitTimeoutError, waitFor, withDeadline } from './wait.js';

/** A tiny real HTTP server on an ephemeral port, closed (with its connections) at teardown. */
async function startHttpServer(
  t: ExecutionContext,
  handler: http.RequestListener,
): Promise<string> {
  const server = http.createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

function sseHead(res: http.ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  res.flushHeaders();
}

async function connectRedis(t: ExecutionContext, url: string): Promise<Redis> {
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  t.teardown(() => client.disconnect());
  return client;
}

async function expectRefused(port: number): Promise<unknown> {
  const socket = net.connect(port, '127.0.0.1');
  try {
    return await once(socket, 'connect', { message: `connection attempt to port ${port} to end` });
  } finally {
    socket.destroy();
  }
}

test('startRedis gives a server that answers PING, and stop() frees its port', async (t) => {
  const redis = await startTestRedis(t, { ownProcess: true });
  const client = await connectRedis(t, redis.url);
  t.is(await client.ping(), 'PONG');
  await client.quit();

  await redis.stop();
  await t.throwsAsync(expectRefused(redis.port), { code: 'ECONNREFUSED' });
});

test('restart() brings a new server up on the same port', async (t) => {
  const redis = await startTestRedis(t, { ownProcess: true });
  const before = await connectRedis(t, redis.url);
  const runIdBefore = /run_id:(\w+)/.exec(await before.info('server'))?.[1];
  await before.quit();
  const { port } = redis;

  await redis.restart();
  t.is(redis.port, port);
  const after = await connectRedis(t, redis.url);
  t.is(await after.ping(), 'PONG');
  const runIdAfter = /run_id:(\w+)/.exec(await after.info('server'))?.[1];
  t.truthy(runIdAfter);
  t.not(runIdAfter, runIdBefore);
});

test('kill() ends the server at once', async (t) => {
  const redis = await startTestRedis(t, { ownProcess: true });
  await redis.kill();
  await t.throwsAsync(expectRefused(redis.port), { code: 'ECONNREFUSED' });
});

test('uniquePrefix differs on every call and ends with a colon', (t) => {
  const a = uniquePrefix('replay');
  const b = uniquePrefix('replay');
  t.not(a, b);
  t.regex(a, /^replay_\d+_\d+_[0-9a-f]{6}:$/);
});

test('getFreePort returns a port that can be bound', async (t) => {
  const server = net.createServer().listen(await getFreePort(), '127.0.0.1');
  t.teardown(() => server.close());
  await t.notThrowsAsync(once(server, 'listening'));
});

const MIXED_STREAM =
  '\uFEFFretry: 1500\r\n\r\n: keepalive\n' +
  'event: spool_update\r\nid: 1764264605123-0\r\ndata: {"tag_spool":"SPOOL-é€😀"}\r\n\r\n' +
  'data: line one\rdata:line two\r\rid\n\n' +
  'event: heartbeat\ndata: {}\n';

function parseAll(chunks: string[]): { frames: SseFrame[]; retries: number[]; comments: string[] } {
  const frames: SseFrame[] = [];
  const retries: number[] = [];
  const comments: string[] = [];
  const parser = createSseParser((frame) => frames.push(frame), {
    onRetry: (ms) => retries.push(ms),
    onComment: (text) => comments.push(text),
  });
  for (const chunk of chunks) parser.push(chunk);
  parser.end();
  return { frames, retries, comments };
}

test('createSseParser follows the spec for CRLF, CR, LF, comments, retry and id', (t) => {
  const { frames, retries, comments } = parseAll([MIXED_STREAM]);
  t.deepEqual(frames, [
    {
      event: 'spool_update',
      id: '1764264605123-0',
      lastEventId: '1764264605123-0',
      data: '{"tag_spool":"SPOOL-é€😀"}',
      raw: ': keepalive\nevent: spool_update\r\nid: 1764264605123-0\r\ndata: {"tag_spool":"SPOOL-é€😀"}\r\n\r\n',
    },
    {
      event: 'message',
      data: 'line one\nline two',
      lastEventId: '1764264605123-0',
      raw: 'data: line one\rdata:line two\r\r',
    },
  ]);
  // The bare `id` block has no data, so it dispatches nothing but resets the last event id;
  // the trailing heartbeat has no blank line and is discarded at the end of the stream.
  t.deepEqual(retries, [1500]);
  t.deepEqual(comments, [' keepalive']);
});

test('createSseParser gives the same frames wherever the chunks split', (t) => {
  const project = ({ raw: _raw, ...rest }: SseFrame) => rest;
  const whole = parseAll([MIXED_STREAM]).frames.map(project);
  for (let i = 0; i <= MIXED_STREAM.length; i++) {
    for (let j = i; j <= MIXED_STREAM.length; j += 7) {
      const chunks = [MIXED_STREAM.slice(0, i), MIXED_STREAM.slice(i, j), MIXED_STREAM.slice(j)];
      t.deepEqual(parseAll(chunks).frames.map(project), whole, `split at ${i} and ${j}`);
    }
  }
});

test('openSse records the frames and the exact text', async (t) => {
  const body = 'retry: 1000\n\nevent: hello\nid: 7\ndata: {"a":1}\n\n';
  const url = await startHttpServer(t, (_req, res) => {
    sseHead(res);
    res.write(body);
  });
  const client = await openTestSse(t, url);
  t.is(client.status, 200);
  t.is(client.headers['content-type'], 'text/event-stream');

  await waitFor(() => client.rawText === body, { message: 'the whole body' });
  t.deepEqual(client.frames, [
    {
      event: 'hello',
      id: '7',
      lastEventId: '7',
      data: '{"a":1}',
      raw: 'event: hello\nid: 7\ndata: {"a":1}\n\n',
    },
  ]);
  t.is(client.retry, 1000);
});

test('openSse decodes a UTF-8 character split across TCP chunks', async (t) => {
  const bytes = Buffer.from('event: x\ndata: “SPOOL-€”\n\n', 'utf8');
  const cut = bytes.indexOf(Buffer.from('€', 'utf8')) + 1; // inside the 3-byte euro sign
  let sendRest: () => void = () => {};
  const url = await startHttpServer(t, (_req, res) => {
    sseHead(res);
    res.write(bytes.subarray(0, cut));
    sendRest = () => res.write(bytes.subarray(cut));
  });
  const client = await openTestSse(t, url);

  await waitFor(() => client.bytesReceived === cut, { message: 'the first part' });
  t.is(client.rawText, 'event: x\ndata: “SPOOL-');
  sendRest();
  const frame = await client.next();
  t.is(frame.data, '“SPOOL-€”');
  t.is(client.rawText, bytes.toString('utf8'));
});

test('openSse rejects a non-200 answer with its status and body', async (t) => {
  const url = await startHttpServer(t, (_req, res) => {
    res.writeHead(401, { 'content-type': 'text/plain' });
    res.end('token required');
  });
  await t.throwsAsync(openTestSse(t, url), { message: /401 Unauthorized: token required/ });
});

test('closed resolves and next() rejects when the server ends the stream', async (t) => {
  const url = await startHttpServer(t, (_req, res) => {
    sseHead(res);
    res.end('data: last\n\n');
  });
  const client = await openTestSse(t, url);
  t.is((await client.next()).data, 'last');
  await withDeadline(client.closed, 20_000, 'the stream to close');
  await t.throwsAsync(client.next(), { message: /stream closed before next SSE frame/ });
});

test('pauseReading holds everything back until resumeReading', async (t) => {
  const chunk = `: ${'x'.repeat(16_000)}\n\n`; // below the 16 KiB highWaterMark per write
  const totalBytes = 8 * 1024 * 1024; // more than the kernel buffers absorb for a stalled reader
  let pushedBytes = 0;
  const url = await startHttpServer(t, (_req, res) => {
    sseHead(res);
    // Writes with backpressure: on a false write it waits for 'drain', which a stalled reader
    // only allows once its kernel buffers have room again.
    const pump = (): void => {
      while (pushedBytes < totalBytes) {
        pushedBytes += chunk.length;
        if (!res.write(chunk)) {
          res.once('drain', pump);
          return;
        }
      }
      res.end();
    };
    pump();
  });
  const client = await openTestSse(t, url, { pause: true });

  await waitFor(() => pushedBytes >= 128 * 1024, { message: 'the server to push 128 KiB' });
  t.is(client.bytesReceived, 0);
  client.resumeReading();
  await withDeadline(client.closed, 20_000, 'the server to finish after resumeReading');
  t.is(client.bytesReceived, pushedBytes);
  t.is(client.comments.length, pushedBytes / chunk.length);
});

test('waitFor resolves with the first truthy value and rejects with its message on deadline', async (t) => {
  let polls = 0;
  t.is(await waitFor(() => (++polls >= 3 ? 'ready' : undefined)), 'ready');
  const error = await t.throwsAsync(waitFor(() => false, { timeoutMs: 50, message: 'never' }));
  t.true(error instanceof WaitTimeoutError);
  t.is(error?.message, 'timed out after 50ms waiting for: never');
});

test('once resolves with the event arguments and rejects on deadline', async (t) => {
  const server = http.createServer();
  const listening = once<[]>(server, 'listening');
  server.listen(0, '127.0.0.1');
  t.teardown(() => server.close());
  t.deepEqual(await listening, []);
  await t.throwsAsync(once(server, 'never-emitted', { timeoutMs: 50 }), {
    message: "timed out after 50ms waiting for: 'never-emitted' event",
  });
});
