/**
 * Retries against a stand-in gateway that answers 503 on purpose (a real one does so only
 * when Redis fails): the same Idempotency-Key every time, the token as a Bearer header.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import test from 'ava';
import { getFreePort } from '../helpers/free-port.js';
import { runSpoolcast } from './spoolcast-process.js';

/** A server that answers 503 `failures` times, then 202 with id 42-0; it records the headers. */
async function flakyGateway(t: { teardown(fn: () => void): void }, failures: number) {
  const seen: IncomingHttpHeaders[] = [];
  const server = createServer((request, response) => {
    seen.push(request.headers);
    request.resume();
    request.on('end', () => {
      if (seen.length <= failures) {
        response.writeHead(503, { 'content-type': 'application/json', 'retry-after': '0' });
        response.end('{"error":"store_unavailable","message":"redis unavailable"}');
      } else {
        response.writeHead(202, { 'content-type': 'application/json' });
        response.end('{"id":"42-0"}');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => server.close());
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

test('a 503 is retried with the same Idempotency-Key until the id comes back', async (t) => {
  const gateway = await flakyGateway(t, 2);
  const run = await runSpoolcast(t, [
    'publish',
    '--url',
    gateway.url,
    '--event-type',
    'TOMAR',
    '--tag',
    'S-1',
  ]);
  t.is(run.code, 0);
  t.is(run.stdout, '42-0\n');
  t.is(gateway.seen.length, 3);
  t.is(new Set(gateway.seen.map((headers) => headers['idempotency-key'])).size, 1);
  t.regex(
    run.stderr,
    /answered 503: store_unavailable: redis unavailable; retrying in 0 ms with the same key/,
  );
});

test('out of retries it exits 1 with the last answer', async (t) => {
  const gateway = await flakyGateway(t, 10);
  const run = await runSpoolcast(t, [
    'publish',
    '--url',
    gateway.url,
    '--retries',
    '1',
    '--event-type',
    'X',
    '--tag',
    'S',
  ]);
  t.is(run.code, 1);
  t.is(gateway.seen.length, 2);
  t.regex(run.stderr, /spoolcast: POST \/api\/events answered 503/);
});

test('the token goes as a Bearer header (flag or SPOOLCAST_TOKEN) and is never printed', async (t) => {
  const gateway = await flakyGateway(t, 1);
  const token = 'eyJ.secret-token.sig';
  const run = await runSpoolcast(
    t,
    ['publish', '--url', gateway.url, '--event-type', 'X', '--tag', 'S'],
    { env: { SPOOLCAST_TOKEN: token } },
  );
  t.is(run.code, 0);
  t.deepEqual(
    gateway.seen.map((headers) => headers.authorization),
    [`Bearer ${token}`, `Bearer ${token}`],
  );
  t.false((run.stdout + run.stderr).includes(token));
});

test('an unreachable gateway is retried, then exit 1 naming the cause', async (t) => {
  const closedPort = await getFreePort();
  const url = `http://127.0.0.1:${closedPort}`;
  const run = await runSpoolcast(t, [
    'publish',
    '--url',
    url,
    '--retries',
    '1',
    '--event-type',
    'X',
    '--tag',
    'S',
  ]);
  t.is(run.code, 1);
  t.regex(
    run.stderr,
    /retrying in 250 ms with the same key\n.*cannot reach the gateway: .*ECONNREFUSED/,
  );
});
