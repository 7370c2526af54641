/**
 * The fan-out point: every accepted event is serialised once upstream and the same bytes are
 * written to every client, in order. A fan-out is written in slices of `fanOutSlice`
 * clients, yielding to I/O between them, so the pipeline steps of the next events (pool
 * results, claim replies, announcements), new connections and heartbeats never wait for
 * a whole fan-out to 10,000 sockets; batches still reach each client strictly in order.
 * One timer sweeps for slow clients, one sends heartbeats. Later work hangs per-client
 * filters and auth on `add`.
 */
import type { ServerResponse } from 'node:http';
import { ClientStream, type CutReason } from './client-stream.js';
import type { CachedFrame } from './frame-cache.js';
import { judgeClient, type SlowClientLimits } from './slow-client-rule.js';
import {
  type BusHealth,
  formatConnected,
  formatHeartbeat,
  formatRetry,
  jitterRetryMs,
} from './sse-frame.js';

/** Hub settings (from config). */
export interface HubOptions extends SlowClientLimits {
  pingIntervalMs: number;
  retryMs: number;
  /** Reads the current bus health for connect and heartbeat frames. */
  busHealth: () => BusHealth;
  now?: () => number;
  /** Called for each event frame batch written, with the number of clients reached. */
  onDelivered?: (clients: number, events: number, bytes: number) => void;
  onCut?: (reason: CutReason) => void;
  onOpenChange?: (open: number) => void;
  /** Clients written per slice of a fan-out before yielding to I/O (default 256). */
  fanOutSlice?: number;
  /** Bytes of frames accepted but not yet offered to every client, on every change. */
  onPendingChange?: (bytes: number) => void;
}

/**
 * Batches on their way to every client; `cursor` walks the live set (see `broadcast`).
 * Until its walk starts, later batches join it (`parts`), so under load several events
 * share one write per client.
 */
interface FanOut {
  parts: Buffer[];
  partBytes: number;
  /** The parts joined, made when the walk starts. */
  bytes: Buffer | null;
  entries: CachedFrame[];
  lastId: string;
  cursor: Iterator<ClientStream>;
  reached: number;
}

const DEFAULT_FAN_OUT_SLICE = 256;
/** Largest write that batches waiting for the same walk are joined into. */
const MAX_JOINED_BYTES = 256 * 1024;

/** Keeps the set of open client streams and writes to them. */
export class Hub {
  private readonly clients = new Set<ClientStream>();
  private readonly options: HubOptions;
  private readonly now: () => number;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly fanOutSlice: number;
  /** Batches accepted but not yet offered to every client, oldest first. */
  private readonly pending: FanOut[] = [];
  private isPumpScheduled = false;
  private pendingByteCount = 0;
  /** The newest batch every client has been offered (what `connected` and heartbeats name). */
  private deliveredId: string | null = null;

  constructor(options: HubOptions) {
    this.options = options;
    this.now = options.now ?? Date.now;
    this.fanOutSlice = Math.max(1, options.fanOutSlice ?? DEFAULT_FAN_OUT_SLICE);
    // Sweep often enough that a cut lands within ~25 % of the timeout, at most once a second.
    const sweepMs = Math.max(10, Math.min(1000, Math.floor(options.sendTimeoutMs / 4)));
    this.timers.push(setInterval(() => this.sweep(), sweepMs));
    this.timers.push(setInterval(() => this.heartbeat(), options.pingIntervalMs));
    for (const timer of this.timers) timer.unref();
  }

  /** Open streams. */
  get size(): number {
    return this.clients.size;
  }

  /** The id of the newest event offered to every client, or null before the first. */
  get lastEventId(): string | null {
    return this.deliveredId;
  }

  /**
   * Registers a new connection and writes its opening frames (retry, connected). With
   * `isCatchingUp`, live frames are held until `goLive` (replay or snapshot first);
   * `resumedFrom` is the client's cursor, echoed in `connected`.
   */
  add(res: ServerResponse, isCatchingUp = false, resumedFrom: string | null = null): ClientStream {
    const client = new ClientStream(res, this.now());
    if (isCatchingUp) client.holdLive();
    this.clients.add(client);
    client.body.once('close', () => {
      this.clients.delete(client);
      this.options.onOpenChange?.(this.clients.size);
    });
    this.options.onOpenChange?.(this.clients.size);
    const retryMs = jitterRetryMs(this.options.retryMs);
    const opening =
      formatRetry(retryMs) +
      formatConnected(this.now(), {
        lastEventId: this.deliveredId,
        bus: this.options.busHealth(),
        resumedFrom,
        heartbeatMs: this.options.pingIntervalMs,
        retryMs,
      });
    client.write(opening);
    return client;
  }

  /**
   * Queues one batch of already-formatted event frames for every client (one write each:
   * the events of one tick are coalesced upstream): written to live clients, held for
   * clients still catching up. `entries` are the same frames one by one, `frames` their
   * concatenation. Each batch walks the live client set with its own iterator, so a client
   * added before its walk reaches the end gets it too, exactly as if the fan-out had run
   * at once; the next batch starts only when this one has reached everyone.
   */
  broadcast(frames: string, entries: CachedFrame[], lastId: string): void {
    if (this.clients.size === 0 && this.pending.length === 0) {
      this.deliveredId = lastId;
      return;
    }
    const part = Buffer.from(frames);
    this.pendingByteCount += part.length;
    this.options.onPendingChange?.(this.pendingByteCount);
    // Under load batches queue behind a walk in progress: the newest waiting one takes
    // this batch too (it has reached no one yet, so the order per client is the same).
    const waiting = this.pending.length > 1 ? (this.pending.at(-1) as FanOut) : null;
    if (waiting && waiting.partBytes + part.length <= MAX_JOINED_BYTES) {
      waiting.parts.push(part);
      waiting.partBytes += part.length;
      waiting.entries.push(...entries);
      waiting.lastId = lastId;
      return;
    }
    this.pending.push({
      parts: [part],
      partBytes: part.length,
      bytes: null,
      entries: [...entries],
      lastId,
      cursor: this.clients.values(),
      reached: 0,
    });
    if (!this.isPumpScheduled) this.pump(this.fanOutSlice);
  }

  /** Writes every queued batch to every client now (before a resync or a drain). */
  private flush(): void {
    this.pump(Number.POSITIVE_INFINITY);
  }

  // Offers queued batches to up to `budget` clients, then yields to I/O if any are left.
  private pump(budget: number): void {
    this.isPumpScheduled = false;
    let left = budget;
    while (this.pending.length > 0) {
      const job = this.pending[0] as FanOut;
      left = this.offer(job, left);
      if (left === 0) {
        this.isPumpScheduled = true;
        setImmediate(() => {
          if (this.isPumpScheduled) this.pump(this.fanOutSlice);
        });
        return;
      }
      this.pending.shift();
      this.pendingByteCount -= job.partBytes;
      this.options.onPendingChange?.(this.pendingByteCount);
      this.deliveredId = job.lastId;
      this.options.onDelivered?.(job.reached, job.entries.length, job.partBytes * job.reached);
    }
  }

  // Offers one batch to the next clients of its walk. Returns the budget left, > 0 once
  // the walk is done; 0 when the budget ran out first (the walk may have more clients).
  private offer(job: FanOut, budget: number): number {
    const { maxBufferedBytes } = this.options;
    // The walk starts: nothing joins this job any more (only the newest waiting one takes
    // new batches, and this one is at the head).
    if (job.bytes === null) {
      job.bytes = job.parts.length === 1 ? (job.parts[0] as Buffer) : Buffer.concat(job.parts);
    }
    const bytes = job.bytes;
    let left = budget;
    while (left > 0) {
      const next = job.cursor.next();
      if (next.done) return left;
      left -= 1;
      const client = next.value;
      const delivery = client.deliver(bytes, job.entries, job.lastId);
      if (delivery === 'skipped') continue;
      if (delivery === 'written') job.reached += 1;
      // The hard cap is checked on every delivery too (held frames count), so a burst
      // cannot balloon memory between sweeps.
      if (client.pendingBytes() + client.heldBytes > maxBufferedBytes) {
        this.cut(client, 'buffer_overflow');
      }
    }
    return 0;
  }

  /**
   * Ends a catch-up: writes `opening` (snapshot, replayed frames), then the held live
   * frames newer than `throughId`, and switches the client to live, all in one step.
   */
  goLive(client: ClientStream, opening: string | Buffer, throughId: string | null): void {
    // The history read may be ahead of this gateway's broadcasts: the client skips those.
    // A batch still on its way counts as not yet broadcast: a catch-up that already sent it
    // makes the client skip it when its turn in the walk comes.
    client.goLive(opening, throughId, this.deliveredId);
  }

  /**
   * Every open client, for restarting catch-ups after a history break and for the drain;
   * every queued batch is written first, so none of them lands after the new start.
   */
  allClients(): ClientStream[] {
    this.flush();
    return [...this.clients];
  }

  /** Cuts one client (a catch-up that cannot complete: it reconnects with its cursor). */
  drop(client: ClientStream, reason: CutReason): void {
    this.cut(client, reason);
  }

  /** Sends a heartbeat now (also used when the bus state changes, so screens learn at once). */
  heartbeat(): void {
    if (this.clients.size === 0) return;
    const frame = Buffer.from(
      formatHeartbeat(this.now(), this.options.busHealth(), this.deliveredId),
    );
    for (const client of this.clients) client.write(frame);
  }

  /** Judges every client once; cuts those with no progress or too much pending data. */
  sweep(): void {
    const nowMs = this.now();
    for (const client of this.clients) {
      const judged = judgeClient(client.progressState, client.pendingBytes(), nowMs, this.options);
      client.recordProgress(judged.flushedBytes, judged.lastProgressAtMs);
      if (judged.verdict !== 'ok') this.cut(client, judged.verdict);
    }
  }

  /**
   * Ends one stream gracefully (drain): a jittered `retry:` first, so the browser comes back
   * after its own delay, then the stream ends once its queued bytes are flushed.
   */
  release(client: ClientStream, retryMs: number): void {
    client.write(formatRetry(jitterRetryMs(retryMs)));
    client.end();
  }

  /** Ends every stream gracefully (drain) and stops the timers. */
  close(): void {
    for (const timer of this.timers) clearInterval(timer);
    this.flush();
    for (const client of this.clients) client.end();
  }

  private cut(client: ClientStream, reason: CutReason): void {
    if (client.isClosed) return;
    this.options.onCut?.(reason);
    client.destroy();
  }
}
