/**
 * Self-test of the generator's SSE reader (lib/sse-conn.ts): a local server sends 300 events
 * as a chunked (and as a close-delimited) SSE stream, split into writes of 1, 13 and 997
 * bytes; every event must arrive once, in order, with the monitor recording each `id:`. A
 * stream shaped as nchan 1.3.6 sends it (no chunking, `: hi` comment first, ids `<time>:<n>`,
 * the producer's JSON unchanged) must parse the same way. A filtered client (every 20th
 * event from its group's first) must take exactly its group's events, and report an event of
 * another group as not selected, a missing one as a gap and a repeated one as out of order.
 *
 *   node --import tsx bench/selftest.ts
 */
import net from 'node:net';
import { groupOfSeq, nextOwned, ownedBetween } from './lib/filter-groups.js';
import { makeEvent } from './lib/publisher.js';
import { Sink, SseConn } from './lib/sse-conn.js';

const N = 300;
const RUN = 7;

/**
 * The SSE body: connect frames, then the events, grouped 7 per write like a batching server.
 * `faulty` drops event 100, repeats 200 and swaps 250/251: the reader must see 2 gaps and
 * 2 out-of-order deliveries.
 */
function sseGroups(faulty = false, reordered = false): string[] {
  const groups = ['retry: 2000\n\nevent: connected\ndata: {"bus":"ok"}\n\n'];
  let frames = '';
  const order = Array.from({ length: N }, (_, i) => i);
  if (faulty) order.splice(250, 2, 251, 250);
  if (faulty) order.splice(200, 0, 199);
  if (faulty) order.splice(100, 1);
  for (const i of order) {
    const event = makeEvent(RUN, i, 1000 + i);
    const data = reordered
      ? `{"spoolcast": {"id": "17-${i}"}, "event_type": "TOMAR", "bench_run": ${RUN}, "bench_seq": ${i}, "bench_t": ${1000 + i}}`
      : `${event.slice(0, -1)},"spoolcast":{"id":"17-${i}"}}`;
    frames += `id: 17-${i}\nevent: spool_update\ndata: ${data}\n\n`;
    if (i % 7 === 6 || i === order[order.length - 1]) {
      groups.push(frames);
      frames = '';
    }
  }
  return groups;
}

function response(chunked: boolean, faulty = false, reordered = false): Buffer {
  const groups = sseGroups(faulty, reordered);
  const head = `HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n${chunked ? 'Transfer-Encoding: chunked\r\n' : 'Connection: close\r\n'}\r\n`;
  const body = chunked
    ? groups.map((g) => `${Buffer.byteLength(g).toString(16)}\r\n${g}\r\n`).join('')
    : groups.join('');
  return Buffer.from(head + body);
}

let current: Buffer = Buffer.alloc(0);
let step = 1;
const server = net.createServer((socket) => {
  socket.on('error', () => undefined);
  socket.once('data', async () => {
    for (let i = 0; i < current.length; i += step) {
      socket.write(current.subarray(i, i + step));
      if (i % (step * 50) === 0) await new Promise((r) => setTimeout(r, 1));
    }
  });
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
const port = (server.address() as net.AddressInfo).port;

let failures = 0;
for (const chunked of [true, false]) {
  for (const size of [1, 13, 997]) {
    current = response(chunked);
    step = size;
    const sink = new Sink(RUN);
    const recordIds = size === 997;
    const conn = await new Promise<SseConn>((resolve) => {
      const c: SseConn = new SseConn(
        sink,
        { host: '127.0.0.1', port, path: '/', hostHeader: 'selftest', recordIds },
        () => resolve(c),
      );
    });
    const deadline = Date.now() + 20_000;
    while (conn.expected < N && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    const idsOk =
      !recordIds ||
      (conn.ids?.size === N && conn.ids.get(0) === '17-0' && conn.ids.get(N - 1) === `17-${N - 1}`);
    const ok =
      conn.expected === N &&
      conn.received === N &&
      conn.gaps === 0 &&
      conn.outOfOrder === 0 &&
      idsOk;
    if (!ok) failures++;
    process.stdout.write(
      `${ok ? 'ok  ' : 'FAIL'} ${chunked ? 'chunked' : 'close-delimited'} writes of ${size} B: received ${conn.received}/${N}, gaps ${conn.gaps}, out of order ${conn.outOfOrder}, foreign ${conn.foreign}${recordIds ? `, ids ${conn.ids?.size}` : ''}${conn.error ? `, error ${conn.error}` : ''}\n`,
    );
    conn.close();
  }
}
// The checks must catch a faulty stream, and other field orders and spacing must parse.
for (const variant of ['faulty', 'reordered'] as const) {
  current = response(true, variant === 'faulty', variant === 'reordered');
  step = 997;
  const sink = new Sink(RUN);
  const conn = await new Promise<SseConn>((resolve) => {
    const c: SseConn = new SseConn(
      sink,
      { host: '127.0.0.1', port, path: '/', hostHeader: 'selftest' },
      () => resolve(c),
    );
  });
  const deadline = Date.now() + 20_000;
  while (conn.expected < N && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  await new Promise((r) => setTimeout(r, 100));
  const want = variant === 'faulty' ? 2 : 0;
  const ok = conn.gaps === want && conn.outOfOrder === want && conn.expected === N;
  if (!ok) failures++;
  process.stdout.write(
    `${ok ? 'ok  ' : 'FAIL'} ${variant} stream: received ${conn.received}, gaps ${conn.gaps} (want ${want}), out of order ${conn.outOfOrder} (want ${want})\n`,
  );
  conn.close();
}
// nchan's EventSource bytes, as captured from `nchan_subscriber eventsource` (1.3.6).
{
  let body = ': hi\n\n';
  for (let i = 0; i < N; i++)
    body += `id: 1796122634:${i}\ndata: ${makeEvent(RUN, i, 1000 + i)}\n\n`;
  current = Buffer.from(
    'HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nContent-Type: text/event-stream; charset=utf-8\r\n' +
      `Connection: keep-alive\r\n\r\n${body}`,
  );
  step = 997;
  const sink = new Sink(RUN);
  const conn = await new Promise<SseConn>((resolve) => {
    const c: SseConn = new SseConn(
      sink,
      { host: '127.0.0.1', port, path: '/', hostHeader: 'selftest', recordIds: true },
      () => resolve(c),
    );
  });
  const deadline = Date.now() + 20_000;
  while (conn.expected < N && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  const ok =
    conn.received === N &&
    conn.gaps === 0 &&
    conn.outOfOrder === 0 &&
    conn.ids?.get(49) === '1796122634:49';
  if (!ok) failures++;
  process.stdout.write(
    `${ok ? 'ok  ' : 'FAIL'} nchan-shaped stream: received ${conn.received}/${N}, gaps ${conn.gaps}, out of order ${conn.outOfOrder}, id of event 49 ${conn.ids?.get(49)}\n`,
  );
  conn.close();
}
// A filtered client: group 3 of 20, events dealt in runs of 5, is owed events 15–19,
// 115–119, 215–219 (operation OP-3) only.
const PATTERN = { groups: 20, run: 5 };
const GROUP = 3;
for (const variant of ['exact', 'leaky'] as const) {
  let body = 'retry: 2000\n\nevent: connected\ndata: {"bus":"ok"}\n\n';
  for (let i = 0; i < N; i++) {
    const mine = groupOfSeq(i, PATTERN) === GROUP;
    // leaky: one of group 8's events gets through, one of its own is lost, one repeated.
    const leak = variant === 'leaky' && i === 44;
    if (variant === 'leaky' && i === 116) continue;
    if (!mine && !leak) continue;
    const frame = `id: 17-${i}\nevent: spool_update\ndata: ${makeEvent(RUN, i, 1000 + i, PATTERN)}\n\n`;
    body += frame;
    if (variant === 'leaky' && i === 218) body += frame;
    if (i % 40 === 3) body += ': heartbeat\n\nevent: heartbeat\ndata: {"last_event_id":"17-1"}\n\n';
  }
  current = Buffer.from(
    `HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n${body}`,
  );
  step = 13;
  const sink = new Sink(RUN);
  const conn = await new Promise<SseConn>((resolve) => {
    const c: SseConn = new SseConn(
      sink,
      {
        host: '127.0.0.1',
        port,
        path: '/?operation=OP-3',
        hostHeader: 'selftest',
        pattern: PATTERN,
        group: GROUP,
      },
      () => resolve(c),
    );
  });
  const owed = ownedBetween(0, N, GROUP, PATTERN);
  const deadline = Date.now() + 20_000;
  while (conn.expected < N && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  await new Promise((r) => setTimeout(r, 100));
  const want = variant === 'exact' ? 0 : 1;
  const ok =
    conn.received === owed - want &&
    conn.gaps === want &&
    conn.outOfOrder === want &&
    conn.unmatched === want &&
    conn.expected === nextOwned(N, GROUP, PATTERN);
  if (!ok) failures++;
  process.stdout.write(
    `${ok ? 'ok  ' : 'FAIL'} filtered stream (${variant}): received ${conn.received}/${owed}, gaps ${conn.gaps}, out of order ${conn.outOfOrder}, not selected ${conn.unmatched} (want ${want} each)\n`,
  );
  conn.close();
}
server.close();
process.exit(failures === 0 ? 0 : 1);
