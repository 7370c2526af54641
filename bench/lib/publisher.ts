/**
 * Producers for the generator: a plain Redis `PUBLISH` on the input channel (what the Python
 * backend does) or `POST /api/events` (spoolcast's route, and nchan's publisher location). Each event carries the bench fields first, so the
 * receiver finds them right after `data: {` without parsing JSON.
 */
import net from 'node:net';
import { Redis } from 'ioredis';
import { type GroupPattern, groupOfSeq, UNFILTERED } from './filter-groups.js';
import type { PublishMethod } from './protocol.js';

const EVENT_TYPES = ['TOMAR', 'PAUSAR', 'COMPLETAR', 'STATE_CHANGE'];
const WORKERS = ['MR(93)', 'JP(12)', 'CS(7)', 'AV(104)'];
/** `estado_detalle` is `<operation>: <state>`; the gateway's `operation` filter reads the first part. */
const OPERATIONS = ['ARM', 'SOLD', 'ARM', 'METROLOGIA'];
const STATES = ['En Progreso', 'Pausado', 'Completado', 'Pendiente'];

/** `DD-MM-YYYY HH:MM:SS` as the plant clock would write it (the time itself does not matter). */
function plantTimestamp(date: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(date.getUTCDate())}-${p(date.getUTCMonth() + 1)}-${date.getUTCFullYear()} ${p(date.getUTCHours())}:${p(date.getUTCMinutes())}:${p(date.getUTCSeconds())}`;
}

/** The operation of event `seq` when events cycle through `groups` filter groups. */
export const groupOperation = (group: number) => `OP-${group}`;

/**
 * A realistic ~300-byte producer event. `tUs` is the generator's performance.now() in µs
 * when the event is handed to the publisher. In a filtered scenario the operation in
 * `estado_detalle` is `OP-<its group>` (filter-groups.ts), so each event matches exactly
 * one `?operation=OP-k` stream group.
 */
export function makeEvent(
  run: number,
  seq: number,
  tUs: number,
  pattern: GroupPattern = UNFILTERED,
): string {
  const k = seq % 4;
  const operation = pattern.groups > 1 ? groupOperation(groupOfSeq(seq, pattern)) : OPERATIONS[k];
  return (
    `{"bench_run":${run},"bench_seq":${seq},"bench_t":${tUs},` +
    `"event_type":"${EVENT_TYPES[k]}","tag_spool":"SPOOL-${String(seq % 5000).padStart(5, '0')}",` +
    `"worker_nombre":"${WORKERS[k]}","estado_detalle":"${operation}: ${STATES[k]}",` +
    `"timestamp":"${plantTimestamp(new Date())}","operacion":"ARM","ot":"OT-2026-0042",` +
    `"nv":"NV-118","proyecto":"Mina Norte","linea":"L${k + 1}"}`
  );
}

/** Filter groups the bench uses at most (bounds EVENT_TAIL_MIN's search). */
export const MAX_FILTER_GROUPS = 100;

/**
 * Bytes every event carries after its `bench_t` digits, up to (not including) its closing
 * brace, filtered or not. A server forwards the producer fields as sent, so the receiver
 * may skip this many bytes before looking for the next event.
 */
export const EVENT_TAIL_MIN = Math.min(
  ...[0, MAX_FILTER_GROUPS].flatMap((groups) =>
    Array.from({ length: Math.max(4, groups) }, (_, k) => {
      const event = makeEvent(0, k, 0, groups > 1 ? { groups, run: 1 } : UNFILTERED);
      return event.length - (event.indexOf('"bench_t":0') + '"bench_t":0'.length) - 1;
    }),
  ),
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

/**
 * `POST <path>` on one keep-alive connection, requests pipelined (HTTP/1.1 §9.3.2) and
 * written as soon as they are due, a burst in one write: the server sees them in publish
 * order, as it sees pipelined PUBLISHes on one Redis connection. (A pool of connections
 * would let a server receive — and number — events out of order.) Any 2xx counts as
 * accepted (spoolcast answers 202, nchan 201 or 202).
 */
class PipelinedHttpPublisher implements Publisher {
  errors = 0;
  private inFlight = 0;
  private socket: net.Socket | null = null;
  private pending: Buffer = Buffer.alloc(0);
  private readonly host: string;
  private readonly port: number;
  private readonly head: string;

  constructor(baseUrl: string, path: string) {
    const url = new URL(path, baseUrl);
    this.host = url.hostname;
    this.port = Number(url.port || 80);
    this.head = `POST ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\nContent-Length: `;
  }

  private connection(): net.Socket {
    if (this.socket !== null) return this.socket;
    const socket = net.connect({ host: this.host, port: this.port });
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => undefined);
    socket.once('close', () => {
      // Whatever was still unanswered is lost with the connection.
      this.errors += this.inFlight;
      this.inFlight = 0;
      this.pending = Buffer.alloc(0);
      if (this.socket === socket) this.socket = null;
    });
    this.socket = socket;
    return socket;
  }

  private request(payload: string): string {
    return `${this.head}${Buffer.byteLength(payload)}\r\n\r\n${payload}`;
  }

  publish(payload: string): void {
    this.inFlight++;
    this.connection().write(this.request(payload));
  }

  publishMany(payloads: string[]): void {
    this.inFlight += payloads.length;
    this.connection().write(payloads.map((p) => this.request(p)).join(''));
  }

  /** Consumes complete responses (Content-Length or chunked bodies) in order. */
  private onData(chunk: Buffer): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    for (;;) {
      const end = this.pending.indexOf('\r\n\r\n');
      if (end === -1) return;
      const head = this.pending.toString('latin1', 0, end);
      const status = Number(head.slice(9, 12));
      let bodyEnd: number;
      const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
      if (length) {
        bodyEnd = end + 4 + Number(length[1]);
        if (this.pending.length < bodyEnd) return;
      } else if (/\r\ntransfer-encoding:[^\r]*chunked/i.test(head)) {
        const last = this.pending.indexOf('\r\n0\r\n\r\n', end + 2);
        if (last === -1) return;
        bodyEnd = last + 7;
      } else bodyEnd = end + 4;
      this.pending = this.pending.subarray(bodyEnd);
      if (this.inFlight > 0) this.inFlight--;
      if (!(status >= 200 && status < 300)) this.errors++;
    }
  }

  async settled(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.inFlight > 0 && Date.now() < deadline) await sleep(5);
  }

  async close(): Promise<void> {
    this.socket?.destroy();
    this.socket = null;
  }
}

/** Creates the publisher for a method (`http-post` posts to `path`, default /api/events). */
export function createPublisher(method: PublishMethod): Publisher {
  return method.kind === 'redis'
    ? new RedisPublisher(method.url, method.channel)
    : new PipelinedHttpPublisher(method.url, method.path ?? '/api/events');
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
