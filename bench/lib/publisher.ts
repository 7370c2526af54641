/**
 * Producers for the generator: a plain Redis `PUBLISH` on the input channel (what the Python
 * backend does) or `POST /api/events`. Each event carries the bench fields first, so the
 * receiver finds them right after `data: {` without parsing JSON.
 */
import http from 'node:http';
import { Redis } from 'ioredis';
import type { PublishMethod } from './protocol.js';

const EVENT_TYPES = ['TOMAR', 'PAUSAR', 'COMPLETAR', 'STATE_CHANGE'];
const WORKERS = ['MR(93)', 'JP(12)', 'CS(7)', 'AV(104)'];
const ESTADOS = ['ARM: En Progreso', 'SOLD: Pausado', 'ARM: Completado', 'METROLOGIA: Pendiente'];

/** `DD-MM-YYYY HH:MM:SS` as the plant clock would write it (the time itself does not matter). */
function plantTimestamp(date: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(date.getUTCDate())}-${p(date.getUTCMonth() + 1)}-${date.getUTCFullYear()} ${p(date.getUTCHours())}:${p(date.getUTCMinutes())}:${p(date.getUTCSeconds())}`;
}

/**
 * A realistic ~300-byte producer event. `tUs` is the generator's performance.now() in µs
 * when the event is handed to the publisher.
 */
export function makeEvent(run: number, seq: number, tUs: number): string {
  const k = seq % 4;
  return (
    `{"bench_run":${run},"bench_seq":${seq},"bench_t":${tUs},` +
    `"event_type":"${EVENT_TYPES[k]}","tag_spool":"SPOOL-${String(seq % 5000).padStart(5, '0')}",` +
    `"worker_nombre":"${WORKERS[k]}","estado_detalle":"${ESTADOS[k]}",` +
    `"timestamp":"${plantTimestamp(new Date())}","operacion":"ARM","ot":"OT-2026-0042",` +
    `"nv":"NV-118","proyecto":"Mina Norte","linea":"L${k + 1}"}`
  );
}

/**
 * Bytes every event carries after its `bench_t` digits, up to (not including) its closing
 * brace. A server forwards the producer fields as sent, so the receiver may skip this many
 * bytes before looking for the next event.
 */
export const EVENT_TAIL_MIN = Math.min(
  ...[0, 1, 2, 3].map((k) => {
    const event = makeEvent(0, k, 0);
    return event.length - (event.indexOf('"bench_t":0') + '"bench_t":0'.length) - 1;
  }),
);

/** Sends events; errors are counted, never thrown. */
export interface Publisher {
  /** Sends one event now. */
  publish(payload: string): void;
  /** Sends many events back to back (one pipelined write for Redis). */
  publishMany(payloads: string[]): void;
  /** Resolves when every send so far has been answered (bounded by `timeoutMs`). */
  settled(timeoutMs: number): Promise<void>;
  readonly errors: number;
  close(): Promise<void>;
}

class RedisPublisher implements Publisher {
  errors = 0;
  private inFlight = 0;
  private readonly redis: Redis;

  constructor(
    url: string,
    private readonly channel: string,
  ) {
    this.redis = new Redis(url, { maxRetriesPerRequest: 1, connectionName: 'spoolcast-bench-pub' });
    this.redis.on('error', () => undefined);
  }

  publish(payload: string): void {
    this.inFlight++;
    this.redis.publish(this.channel, payload).then(
      () => this.inFlight--,
      () => {
        this.inFlight--;
        this.errors++;
      },
    );
  }

  publishMany(payloads: string[]): void {
    const pipeline = this.redis.pipeline();
    for (const payload of payloads) pipeline.publish(this.channel, payload);
    this.inFlight += payloads.length;
    pipeline.exec().then(
      (results) => {
        this.inFlight -= payloads.length;
        for (const [error] of results ?? []) if (error) this.errors++;
      },
      () => {
        this.inFlight -= payloads.length;
        this.errors += payloads.length;
      },
    );
  }

  async settled(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.inFlight > 0 && Date.now() < deadline) await sleep(5);
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

class HttpPublisher implements Publisher {
  errors = 0;
  private inFlight = 0;
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  private readonly url: URL;

  constructor(baseUrl: string) {
    this.url = new URL('/api/events', baseUrl);
  }

  publish(payload: string): void {
    this.inFlight++;
    const req = http.request(
      this.url,
      {
        method: 'POST',
        agent: this.agent,
        headers: {
          'Content-Type': 'application/json',
          'Content-Length': Buffer.byteLength(payload),
        },
        timeout: 10_000,
      },
      (res) => {
        if (res.statusCode !== 202) this.errors++;
        res.resume();
        res.once('end', () => this.inFlight--);
      },
    );
    req.once('error', () => {
      this.errors++;
      this.inFlight--;
    });
    req.once('timeout', () => req.destroy(new Error('publish timed out')));
    req.end(payload);
  }

  publishMany(payloads: string[]): void {
    for (const payload of payloads) this.publish(payload);
  }

  async settled(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.inFlight > 0 && Date.now() < deadline) await sleep(5);
  }

  async close(): Promise<void> {
    this.agent.destroy();
  }
}

/** Creates the publisher for a method (`http-post` posts to the target's /api/events). */
export function createPublisher(method: PublishMethod): Publisher {
  return method.kind === 'redis'
    ? new RedisPublisher(method.url, method.channel)
    : new HttpPublisher(method.url);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
