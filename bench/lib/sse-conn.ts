/**
 * One SSE client on a raw `net` socket, built to be cheap enough that one core can hold
 * 10,000+ of them: incoming bytes land in one shared buffer (`onread`: no stream machinery,
 * no Buffer and no string per read), the HTTP chunked framing is stepped over in place by a
 * small byte state machine, and the data is scanned (only up to its last complete line; the
 * rest is carried to the next read) with a native Buffer.indexOf for the bench fields the
 * producer put first in each event (`"bench_run":R,"bench_seq":S,"bench_t":T`), whose
 * digits are read byte by byte. No string decoding and no JSON.parse per frame.
 *
 * Each delivery is checked against the connection's expected sequence number: in order,
 * gap (missing) or at/below one already seen (duplicate or reordered). A filtered
 * connection expects exactly its group's events from its `startSeq` (filter-groups.ts);
 * any other event is counted as `unmatched` (its filter does not select it: a leak), never
 * as delivered.
 */
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import {
  type GroupPattern,
  groupOfSeq,
  nextOwned,
  ownedBetween,
  UNFILTERED,
} from './filter-groups.js';
import { Histogram } from './histogram.js';
import { EVENT_TAIL_MIN } from './publisher.js';

const RUN_KEY = Buffer.from('"bench_run":', 'latin1');
const SEQ_KEY = Buffer.from(',"bench_seq":', 'latin1');
const T_KEY = Buffer.from(',"bench_t":', 'latin1');
const LF = 0x0a;
const EMPTY = Buffer.alloc(0);

/** One read buffer for every socket: reads are handled synchronously, one at a time. */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);

/** Where every connection of one scenario run records what it receives. */
export class Sink {
  /** Events whose `bench_run` differs are counted as foreign and ignored. */
  readonly run: number;
  readonly hist = new Histogram();
  readonly perSecond: Histogram[] = [];
  /** performance.now() origin of the per-second series (set at the first publish). */
  t0Ms = 0;
  recordLatency = true;
  /** Events below this sequence number are warm-up: checked, but not in the latency figures. */
  recordFromSeq = 0;
  /** In-order first-time deliveries, all connections. */
  delivered = 0;
  /** performance.now() of the latest delivery. */
  lastDeliveryMs = 0;
  /** Gaps at or after this sequence number count as `lateGaps` (storm: live part). */
  liveFrom = 0;

  /** Per event: first and last receipt (performance.now() ms) and send time (µs). */
  private firstAt = new Float64Array(0);
  private lastAt = new Float64Array(0);
  private sentUs = new Float64Array(0);

  constructor(run: number) {
    this.run = run;
  }

  /** Tracks first/last receipt per sequence number for events 0..n-1. */
  trackEvents(n: number): void {
    this.firstAt = new Float64Array(n);
    this.lastAt = new Float64Array(n);
    this.sentUs = new Float64Array(n);
  }

  noteEvent(seq: number, tUs: number, nowMs: number): void {
    if (seq >= this.firstAt.length) return;
    if (this.firstAt[seq] === 0) {
      this.firstAt[seq] = nowMs;
      this.sentUs[seq] = tUs;
    }
    this.lastAt[seq] = nowMs;
  }

  /**
   * Splits latency into its two parts, over the tracked events: publish → first client
   * (the pipeline) and first → last client (the fan-out), in ms.
   */
  eventStats(): {
    events: number;
    firstP50: number;
    firstP99: number;
    spreadP50: number;
    spreadP99: number;
  } | null {
    const first = new Histogram();
    const spread = new Histogram();
    for (let i = 0; i < this.firstAt.length; i++) {
      const f = this.firstAt[i] ?? 0;
      if (f === 0) continue;
      first.record(f * 1000 - (this.sentUs[i] ?? 0));
      spread.record(((this.lastAt[i] ?? 0) - f) * 1000);
    }
    const a = first.summary();
    const b = spread.summary();
    if (!a || !b) return null;
    return {
      events: a.count,
      firstP50: a.p50,
      firstP99: a.p99,
      spreadP50: b.p50,
      spreadP99: b.p99,
    };
  }

  record(latencyUs: number, nowMs: number): void {
    this.hist.record(latencyUs);
    const second = Math.floor((nowMs - this.t0Ms) / 1000);
    if (second < 0) return;
    let h = this.perSecond[second];
    if (h === undefined) {
      for (let i = this.perSecond.length; i <= second; i++) this.perSecond[i] = new Histogram();
      h = this.perSecond[second] as Histogram;
    }
    h.record(latencyUs);
  }
}

/** Options for one connection. */
export interface ConnOptions {
  host: string;
  port: number;
  path: string;
  /** `Host` header value. */
  hostHeader: string;
  lastEventId?: string;
  /** First sequence number this client should receive (storm: the replay start). */
  startSeq?: number;
  /**
   * How events are dealt to filter groups (default: unfiltered, every event) and this
   * client's group: a filtered client gets its group's events from `startSeq` on and
   * nothing else (filter-groups.ts).
   */
  pattern?: GroupPattern;
  group?: number;
  /** Record `id:` per sequence number (slow path, for the one monitor connection). */
  recordIds?: boolean;
  /** `reachedAtMs` is set when this sequence number arrives in order. */
  watchSeq?: number;
}

/** A raw SSE connection. */
export class SseConn {
  readonly socket: net.Socket;
  readonly startedAtMs: number;
  status = 0;
  /** When the response head had been read. */
  headersAtMs = -1;
  /** When the first body bytes arrived ("streaming"). */
  firstBodyAtMs = -1;
  closedAtMs = -1;
  closedByUs = false;
  error: string | null = null;

  /** Next sequence number expected. */
  expected: number;
  /** How events are dealt to the filter groups, and this client's group. */
  readonly pattern: GroupPattern;
  readonly group: number;
  private readonly isFiltered: boolean;
  /** The last sequence number received in order (−1 before any). */
  private lastSeq = -1;
  /** First sequence number received (−1 before any). */
  firstSeq = -1;
  received = 0;
  gaps = 0;
  lateGaps = 0;
  outOfOrder = 0;
  /** Events of this run that this client's filter does not select, received anyway. */
  unmatched = 0;
  foreign = 0;
  reachedAtMs = -1;
  readonly ids: Map<number, string> | null;

  private readonly sink: Sink;
  private readonly watchSeq: number;
  private readonly onDone: () => void;
  private head = '';
  private inBody = false;
  private chunked = false;
  private chunkLeft = 0;
  private crlfLeft = 0;
  private sizeAcc = 0;
  private inSizeExt = false;
  private sizeDigits = 0;
  /** Bytes of an incomplete line, waiting for the rest. */
  private carry: Buffer = EMPTY;
  /** Monitor only: the `id:` of the frame being read. */
  private frameId = '';
  private request: string;

  constructor(sink: Sink, options: ConnOptions, onDone: (conn: SseConn) => void) {
    this.sink = sink;
    this.pattern = options.pattern ?? UNFILTERED;
    this.group = options.group ?? 0;
    this.isFiltered = this.pattern.groups > 1;
    this.expected = nextOwned(options.startSeq ?? 0, this.group, this.pattern);
    this.watchSeq = options.watchSeq ?? -1;
    this.ids = options.recordIds ? new Map() : null;
    this.startedAtMs = performance.now();
    this.request =
      `GET ${options.path} HTTP/1.1\r\nHost: ${options.hostHeader}\r\n` +
      'Accept: text/event-stream\r\nCache-Control: no-cache\r\n' +
      (options.lastEventId !== undefined ? `Last-Event-ID: ${options.lastEventId}\r\n` : '') +
      '\r\n';
    let settled = false;
    this.onDone = () => {
      if (settled) return;
      settled = true;
      onDone(this);
    };
    this.socket = net.connect({
      host: options.host,
      port: options.port,
      onread: {
        buffer: READ_BUFFER,
        callback: (n: number, buf: Uint8Array) => {
          this.onBytes((buf as Buffer).subarray(0, n));
          return true;
        },
      },
    });
    this.socket.setNoDelay(true);
    this.socket.once('connect', () => {
      this.socket.write(this.request);
      this.request = '';
    });
    this.socket.on('error', (error: NodeJS.ErrnoException) => {
      this.error ??= error.code ?? error.message;
    });
    this.socket.once('close', () => {
      this.closedAtMs = performance.now();
      this.onDone();
    });
  }

  get isStreaming(): boolean {
    return this.firstBodyAtMs >= 0;
  }

  get isOpen(): boolean {
    return this.closedAtMs < 0;
  }

  /** Closes with a RST: no TIME_WAIT left behind, so repeated runs do not exhaust ports. */
  close(): void {
    if (this.closedAtMs >= 0) return;
    this.closedByUs = true;
    if (this.socket.connecting || this.socket.destroyed) this.socket.destroy();
    else this.socket.resetAndDestroy();
  }

  private fail(reason: string): void {
    this.error ??= reason;
    this.socket.destroy();
  }

  /** One read; `view` is only valid during this call (the buffer is shared). */
  private onBytes(view: Buffer): void {
    const nowMs = performance.now();
    if (this.inBody) {
      this.onBody(view, 0, nowMs);
      return;
    }
    this.head += view.toString('latin1');
    const end = this.head.indexOf('\r\n\r\n');
    if (end === -1) {
      if (this.head.length > 16_384) this.fail('response head too large');
      return;
    }
    const head = this.head.slice(0, end);
    const restBytes = this.head.length - (end + 4);
    this.head = '';
    this.inBody = true;
    this.headersAtMs = nowMs;
    this.status = Number(head.slice(9, 12));
    if (this.status !== 200) {
      this.fail(`HTTP ${this.status}`);
      return;
    }
    this.chunked = /\r\ntransfer-encoding:[^\r]*chunked/i.test(head);
    // The body starts `restBytes` before the end of this read (the head is ASCII).
    this.onBody(view, view.length - restBytes, nowMs);
  }

  private onBody(view: Buffer, from: number, nowMs: number): void {
    if (this.firstBodyAtMs < 0) {
      this.firstBodyAtMs = nowMs;
      this.onDone();
    }
    const n = view.length;
    if (!this.chunked) {
      this.onData(view, from, n, nowMs);
      return;
    }
    let i = from;
    while (i < n) {
      if (this.chunkLeft > 0) {
        const take = Math.min(this.chunkLeft, n - i);
        this.onData(view, i, i + take, nowMs);
        i += take;
        this.chunkLeft -= take;
        if (this.chunkLeft === 0) this.crlfLeft = 2;
        continue;
      }
      if (this.crlfLeft > 0) {
        const skip = Math.min(this.crlfLeft, n - i);
        i += skip;
        this.crlfLeft -= skip;
        continue;
      }
      // Chunk size line: hex digits, optional ";extension", CRLF.
      const c = view[i++] as number;
      if (c === LF) {
        if (this.sizeDigits === 0) {
          this.fail('bad chunk size line');
          return;
        }
        const size = this.sizeAcc;
        this.sizeAcc = 0;
        this.sizeDigits = 0;
        this.inSizeExt = false;
        if (size === 0) return; // last chunk: the server ended the stream
        this.chunkLeft = size;
      } else if (!this.inSizeExt) {
        const digit =
          c >= 48 && c <= 57
            ? c - 48
            : c >= 97 && c <= 102
              ? c - 87
              : c >= 65 && c <= 70
                ? c - 55
                : -1;
        if (digit >= 0) {
          this.sizeAcc = this.sizeAcc * 16 + digit;
          this.sizeDigits++;
        } else if (c === 59)
          this.inSizeExt = true; // ';'
        else if (c !== 13 && c !== 32) {
          this.fail('bad chunk size');
          return;
        }
      }
    }
  }

  /** SSE bytes [a, b) of `view`: scans every complete line, carries the incomplete tail. */
  private onData(view: Buffer, a: number, b: number, nowMs: number): void {
    if (a >= b) return;
    let start = a;
    if (this.carry.length > 0) {
      const nl = view.indexOf(LF, a);
      if (nl === -1 || nl >= b) {
        this.carry = Buffer.concat([this.carry, view.subarray(a, b)]);
        if (this.carry.length > 4 * 1024 * 1024) this.fail('SSE line longer than 4 MiB');
        return;
      }
      const line = Buffer.concat([this.carry, view.subarray(a, nl + 1)]);
      this.carry = EMPTY;
      this.scan(line, 0, line.length, nowMs);
      start = nl + 1;
    }
    const last = view.lastIndexOf(LF, b - 1);
    if (last < start) {
      this.carry = Buffer.from(view.subarray(start, b));
      return;
    }
    if (last + 1 < b) this.carry = Buffer.from(view.subarray(last + 1, b));
    this.scan(view, start, last + 1, nowMs);
  }

  /** Complete lines in [a, b): finds each event's bench fields. */
  private scan(buf: Buffer, a: number, b: number, nowMs: number): void {
    if (this.ids === null) this.scanFast(buf, a, b, nowMs);
    else this.scanWithIds(this.ids, buf, a, b, nowMs);
  }

  /**
   * Walks the lines with a native memchr (Buffer.indexOf of one byte: far cheaper per call
   * than searching for a multi-byte key). A `data:` line whose JSON starts with
   * `{"bench_run":` is parsed in place; the producer's other fields follow, so the search for
   * the line's end starts past them. Other field orders fall back to a key search in the line.
   */
  private scanFast(buf: Buffer, a: number, b: number, nowMs: number): void {
    let ls = a;
    while (ls < b) {
      let from = ls;
      // "data:" (d a t a :)
      if (
        buf[ls] === 100 &&
        buf[ls + 1] === 97 &&
        buf[ls + 2] === 116 &&
        buf[ls + 3] === 97 &&
        buf[ls + 4] === 58
      ) {
        let i = ls + 5;
        if (buf[i] === 32) i++;
        if (buf[i] === 123 && startsWith(buf, i + 1, RUN_KEY)) {
          const end = this.parseFields(buf, i + 1 + RUN_KEY.length, b, nowMs);
          if (end > 0) from = end + EVENT_TAIL_MIN;
        } else {
          const nl = buf.indexOf(LF, ls);
          const at = buf.indexOf(RUN_KEY, i);
          if (at !== -1 && at < nl) this.parseFields(buf, at + RUN_KEY.length, nl, nowMs);
        }
      }
      const nl = buf.indexOf(LF, from);
      if (nl === -1 || nl >= b) return;
      ls = nl + 1;
    }
  }

  /** Reads `R,"bench_seq":S,"bench_t":T` at `i` and delivers; returns the end, or −1. */
  private parseFields(buf: Buffer, start: number, b: number, nowMs: number): number {
    let i = start;
    let c = buf[i] as number;
    while (c === 32) c = buf[++i] as number;
    let run = 0;
    while (c >= 48 && c <= 57) {
      run = run * 10 + (c - 48);
      c = buf[++i] as number;
    }
    i = expectKey(buf, i, b, SEQ_KEY);
    if (i < 0) return -1;
    let seq = 0;
    c = buf[i] as number;
    while (c >= 48 && c <= 57) {
      seq = seq * 10 + (c - 48);
      c = buf[++i] as number;
    }
    i = expectKey(buf, i, b, T_KEY);
    if (i < 0) return -1;
    let tUs = 0;
    c = buf[i] as number;
    while (c >= 48 && c <= 57) {
      tUs = tUs * 10 + (c - 48);
      c = buf[++i] as number;
    }
    if (run === this.sink.run) this.deliver(seq, tUs, nowMs);
    else this.foreign++;
    return i;
  }

  /** Slow path for the monitor connection: line by line, remembering each frame's id. */
  private scanWithIds(
    ids: Map<number, string>,
    buf: Buffer,
    a: number,
    b: number,
    nowMs: number,
  ): void {
    const text = buf.toString('latin1', a, b);
    for (const line of text.split('\n')) {
      if (line === '') this.frameId = '';
      else if (line.startsWith('id:')) this.frameId = line.slice(3).trim();
      else if (line.includes('"bench_run":')) {
        const lineBuf = Buffer.from(`${line}\n`, 'latin1');
        const before = this.expected;
        this.scanFast(lineBuf, 0, lineBuf.length, nowMs);
        if (this.expected > before) ids.set(this.lastSeq, this.frameId);
      }
    }
  }

  private deliver(seq: number, tUs: number, nowMs: number): void {
    // Not one of this client's events at all: its filter let through what it should not.
    if (this.isFiltered && groupOfSeq(seq, this.pattern) !== this.group) {
      this.unmatched++;
      return;
    }
    if (seq < this.expected) {
      this.outOfOrder++;
      return;
    }
    if (seq > this.expected) {
      const skipped = this.isFiltered
        ? ownedBetween(this.expected, seq, this.group, this.pattern)
        : seq - this.expected;
      this.gaps += skipped;
      if (this.expected >= this.sink.liveFrom) this.lateGaps += skipped;
    }
    if (this.firstSeq < 0) this.firstSeq = seq;
    this.lastSeq = seq;
    this.expected = this.isFiltered ? nextOwned(seq + 1, this.group, this.pattern) : seq + 1;
    this.received++;
    const sink = this.sink;
    sink.delivered++;
    sink.lastDeliveryMs = nowMs;
    if (seq === this.watchSeq) this.reachedAtMs = nowMs;
    if (sink.recordLatency && seq >= sink.recordFromSeq && tUs >= 0) {
      sink.record(nowMs * 1000 - tUs, nowMs);
      sink.noteEvent(seq, tUs, nowMs);
    }
  }
}

/** Whether `key` is at `i` in `buf`. */
function startsWith(buf: Buffer, i: number, key: Buffer): boolean {
  for (let k = 0; k < key.length; k++) if (buf[i + k] !== key[k]) return false;
  return true;
}

/**
 * Position after `key` when it starts at `i` (the usual case: our producer's field order,
 * kept by JSON.stringify), else after its next occurrence before `b`; −1 when absent.
 */
function expectKey(buf: Buffer, i: number, b: number, key: Buffer): number {
  if (i + key.length <= b && startsWith(buf, i, key)) return i + key.length;
  // Tolerate other spacing or order: look for the key without its leading comma.
  const bare = key.subarray(1);
  const at = buf.indexOf(bare, i);
  if (at === -1 || at >= b) return -1;
  let j = at + bare.length;
  while (buf[j] === 32) j++;
  return j;
}
