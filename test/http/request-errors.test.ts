import net from 'node:net';
import test from 'ava';
import { classifyRequestError } from '../../src/http/request-errors.js';
import { checkedFetch } from '../helpers/api-contract.js';
import { captureLogs } from '../helpers/captured-logs.js';
import { startGateway } from '../helpers/gateway.js';
import { once } from '../helpers/wait.js';

test('client disconnects are quiet, parser errors and aborts are the client fault, the rest ours', (t) => {
  t.is(classifyRequestError('ERR_STREAM_PREMATURE_CLOSE'), 'quiet');
  t.is(classifyRequestError('ECONNRESET'), 'quiet');
  t.is(classifyRequestError('HPE_INVALID_EOF_STATE'), 'client');
  t.is(classifyRequestError('ECONNABORTED'), 'client');
  t.is(classifyRequestError('ENOMEM'), 'server');
  t.is(classifyRequestError(undefined), 'server');
});

/** Sends the start of a request and closes the socket once the server has read it. */
async function sendAndAbort(port: number, text: string): Promise<void> {
  const socket = net.connect(port, '127.0.0.1');
  await once(socket, 'connect', { message: 'the connection' });
  socket.write(text);
  // A half-close makes the server read what was sent, then see the end mid-request.
  socket.end();
  socket.resume();
  await once(socket, 'close', { message: 'the server to close the aborted request' });
}

test('200 aborted POSTs and 50 malformed requests log a bounded number of lines, without stacks', async (t) => {
  const logs = captureLogs('info');
  const gateway = await startGateway(t, {}, { logger: logs.logger });
  const port = Number(new URL(gateway.url).port);
  const before = logs.lines.length;
  const startedAtMs = Date.now();
  const head =
    'POST /api/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"event_';
  for (let i = 0; i < 200; i += 1) await sendAndAbort(port, head);
  for (let i = 0; i < 50; i += 1) await sendAndAbort(port, 'GARBAGE\r\n\r\n');
  const lines = logs.lines.slice(before).map((line) => JSON.parse(line) as Record<string, unknown>);
  t.true(lines.length > 0, 'the aborts are logged');
  // The limit is 10 lines per 10 s window, however slow this machine ran the loops.
  const windows = Math.floor((Date.now() - startedAtMs) / 10_000) + 1;
  t.true(lines.length <= 10 * windows, `${lines.length} lines in ${windows} window(s)`);
  for (const line of lines) {
    t.is(line.msg, 'bad or aborted request');
    t.false(JSON.stringify(line).includes('    at '), 'no stack trace');
  }
  t.is((await checkedFetch(`${gateway.url}/healthz`)).status, 200);
});
