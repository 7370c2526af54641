/**
 * The check the helpers run on everything a gateway sends (test/helpers/api-contract.ts)
 * can fail: a frame or an answer that leaves the documents throws a ContractViolation naming
 * it and ajv's path, and an SSE client fails the wait that would have received it.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import test from 'ava';
import { ContractViolation, checkResponse, frameCheckerFor } from '../helpers/api-contract.js';
import { openSse } from '../helpers/sse-client.js';
import { once } from '../helpers/wait.js';

const STREAM = 'http://127.0.0.1:1/api/sse/stream';
const CONNECTED = {
  server_time: '2026-11-27T18:55:09.336Z',
  last_event_id: null,
  bus: 'ok',
  resumed_from: null,
  heartbeat_ms: 15000,
  retry_ms: 3677,
};
const frame = (event: string, data: unknown, id?: string) => ({
  event,
  data: JSON.stringify(data),
  ...(id === undefined ? {} : { id }),
});

test('a frame that leaves docs/asyncapi.yaml throws, naming the frame and the path', (t) => {
  const check = frameCheckerFor(STREAM);
  if (check === null) return t.fail('no check for the stream route');
  t.notThrows(() => check(frame('connected', CONNECTED)));
  const { retry_ms: _, ...short } = CONNECTED;
  t.throws(() => check(frame('connected', short)), {
    instanceOf: ContractViolation,
    message:
      /SSE frame "connected" on \/api\/sse\/stream, its data .*must have required property 'retry_ms'/,
  });
  t.throws(() => check(frame('connected', { ...CONNECTED, bus: 'up' })), { message: /\/bus / });
  t.throws(() => check(frame('connected', CONNECTED, '1-0')), { message: /its fields/ });
  t.throws(() => check(frame('hello', {})), { message: /has no such message/ });
  t.is(frameCheckerFor('http://127.0.0.1:1/elsewhere'), null);
});

test('an answer that leaves docs/openapi.yaml throws, naming the route and the path', async (t) => {
  const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
    new Response(JSON.stringify(body), {
      status,
      headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
    });
  const url = 'http://127.0.0.1:1/api/events';
  await t.notThrowsAsync(checkResponse('POST', url, json(202, { id: '1-0' })));
  await t.throwsAsync(checkResponse('POST', url, json(202, { id: 'x' })), {
    instanceOf: ContractViolation,
    message: /POST \/api\/events 202, its body .* \/id must match pattern/,
  });
  await t.throwsAsync(checkResponse('POST', url, json(500, {})), { message: /answered 500/ });
  const unavailable = { error: 'store_unavailable', message: 'redis is reconnecting' };
  await t.throwsAsync(checkResponse('POST', url, json(503, unavailable)), {
    message: /no Retry-After header/,
  });
  await t.throwsAsync(checkResponse('GET', url, json(200, {})), { message: /not in docs/ });
});

test('an SSE client fails the wait that would receive a frame breaking the documents', async (t) => {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(`event: heartbeat\ndata: {"server_time":"now","bus":"ok"}\n\n`);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/sse/stream`;
  const client = await openSse(url);
  t.teardown(() => client.close());
  await t.throwsAsync(client.next(), { instanceOf: ContractViolation, message: /"heartbeat"/ });
  t.true(client.contractViolation instanceof ContractViolation);
});
