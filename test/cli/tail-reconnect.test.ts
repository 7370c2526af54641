/**
 * tail against a stand-in stream whose behaviour a real gateway shows only under failure: a
 * stream that goes silent (stale), a refusal, and the request it sends (filters, cursor, token).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import test from 'ava';
import { spawnSpoolcast } from './spoolcast-process.js';

type Handler = (request: IncomingMessage, response: ServerResponse, n: number) => void;

async function fakeStream(t: { teardown(fn: () => void): void }, handle: Handler) {
  const requests: IncomingMessage[] = [];
  const server = createServer((request, response) => {
    requests.push(request);
    handle(request, response, requests.length);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => server.closeAllConnections());
  t.teardown(() => server.close());
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

const frames = (id: string) =>
  `retry: 50\n\nevent: connected\ndata: {"bus":"ok","heartbeat_ms":100}\n\nid: ${id}\nevent: spool_update\ndata: {"event_type":"TOMAR","tag_spool":"S-${id}"}\n\n`;

test('a stream silent for two heartbeat periods is dropped and resumed after the last id', async (t) => {
  const stream = await fakeStream(t, (_request, response, n) => {
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    response.write(frames(`${n}-0`)); // then nothing: a frozen server
  });
  const tail = spawnSpoolcast(t, ['tail', '--url', stream.url, '--json', '--count', '2']);
  const { code, stderr } = await tail.exited;
  t.is(code, 0);
  t.is(stream.requests[1]?.headers['last-event-id'], '1-0');
  t.regex(
    stderr,
    /reconnecting in 0\.0 s \(no frame for 2 heartbeat periods\), resuming after 1-0/,
  );
});

test('filters, cursor and token reach the gateway as query, Last-Event-ID and cookie', async (t) => {
  const stream = await fakeStream(t, (_request, response) => {
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    response.end(frames('9-0'));
  });
  const args = [
    'tail',
    '--url',
    stream.url,
    '--count',
    '1',
    '--from',
    '8-0',
    '--tag-prefix',
    'SP-',
    '--worker',
    '93',
    '--operation',
    'ARM',
  ];
  const tail = spawnSpoolcast(t, [...args, '--cookie-name', 'spoolcast_token'], {
    env: { SPOOLCAST_TOKEN: 'tok-123' },
  });
  const { code, stdout, stderr } = await tail.exited;
  const [request] = stream.requests;
  t.is(code, 0);
  t.is(request?.url, '/api/sse/stream?tag_prefix=SP-&operation=ARM&worker=93');
  t.is(request?.headers['last-event-id'], '8-0');
  t.is(request?.headers.cookie, 'spoolcast_token=tok-123');
  t.false((stdout + stderr).includes('tok-123'));
});

test('a 401 ends tail with exit 1 instead of a reconnect loop', async (t) => {
  const stream = await fakeStream(t, (_request, response) => {
    response.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer' });
    response.end('{"error":"unauthorized","reason":"token_expired"}');
  });
  const { code, stderr } = await spawnSpoolcast(t, ['tail', '--url', stream.url]).exited;
  t.is(code, 1);
  t.is(stream.requests.length, 1);
  t.regex(
    stderr,
    /refused the stream \(401\): \{"error":"unauthorized","reason":"token_expired"\}/,
  );
});
