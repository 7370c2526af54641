/**
 * The naive baseline the bench compares spoolcast against: what one would write first.
 * Plain node:http, one shared ioredis subscriber on the input channel, and for each message:
 * JSON.parse, a trivial enrichment (same keys as spoolcast's, so frames are the same size),
 * JSON.stringify once, then `res.write` of that string to every client. No worker pool, no
 * validation, no storage, no replay, no slow-client handling.
 *
 * Env: PORT, HOST (default 127.0.0.1), REDIS_URL, CHANNEL (default spools:updates).
 * Serves GET /api/sse/stream, GET /readyz (200 once subscribed), GET /healthz.
 */
import http, { type ServerResponse } from 'node:http';
import { Redis } from 'ioredis';

const port = Number(process.env.PORT ?? 8001);
const host = process.env.HOST ?? '127.0.0.1';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const channel = process.env.CHANNEL ?? 'spools:updates';

const clients = new Set<ServerResponse>();
let isSubscribed = false;
let lastId: string | null = null;
let seq = 0;

const sub = new Redis(redisUrl, { maxRetriesPerRequest: null, connectionName: 'naive-sub' });
sub.on('error', () => undefined);
sub.on('message', (_channel: string, message: string) => {
  let event: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(message);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return;
    event = parsed as Record<string, unknown>;
  } catch {
    return;
  }
  const id = `${Date.now()}-${seq++}`;
  event.spoolcast = {
    id,
    received_at: new Date().toISOString(),
    timestamp: typeof event.timestamp === 'string' ? event.timestamp : null,
    worker: typeof event.worker_nombre === 'string' ? event.worker_nombre : null,
    operation: null,
    state: null,
  };
  lastId = id;
  const frame = `id: ${id}\nevent: spool_update\ndata: ${JSON.stringify(event)}\n\n`;
  for (const res of clients) res.write(frame);
});

const server = http.createServer((req, res) => {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method === 'GET' && path === '/api/sse/stream') {
    req.socket.setNoDelay(true);
    res.writeHead(200, {
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-cache, no-transform',
      'X-Accel-Buffering': 'no',
      Connection: 'keep-alive',
    });
    const connected = JSON.stringify({
      server_time: new Date().toISOString(),
      last_event_id: lastId,
      bus: isSubscribed ? 'ok' : 'down',
    });
    res.write(`retry: 2000\n\nevent: connected\ndata: ${connected}\n\n`);
    clients.add(res);
    res.on('close', () => clients.delete(res));
    return;
  }
  if (req.method === 'GET' && (path === '/readyz' || path === '/healthz')) {
    const ok = path === '/healthz' || isSubscribed;
    res.writeHead(ok ? 200 : 503, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ ready: isSubscribed, openStreams: clients.size }));
    return;
  }
  res.writeHead(404).end();
});
// Same listen settings as spoolcast, so the storm compares fan-out code, not accept queues.
server.keepAliveTimeout = 65_000;
server.headersTimeout = 66_000;
server.listen({ port, host, backlog: 4096 });

sub.subscribe(channel).then(
  () => {
    isSubscribed = true;
  },
  (error: Error) => {
    process.stderr.write(`naive-server: subscribe failed: ${error.message}\n`);
    process.exit(1);
  },
);

const stop = () => {
  for (const res of clients) res.destroy();
  sub.disconnect();
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 1000).unref();
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
