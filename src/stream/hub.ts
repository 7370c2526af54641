/**
 * The fan-out: every event is framed once upstream and the same bytes are written to every
 * live client whose filter selects it — one buffer per distinct filter per batch, so the
 * cost of an event grows with the number of filters, not of clients. A fan-out is written
 * in slices of `fanOutSlice` clients, yielding to I/O between them, so new connections,
 * heartbeats and the next events never wait for a whole fan-out to 10,000 sockets; batches
 * still reach each client strictly in order. One timer sweeps for slow clients, one sends
 * heartbeats. Streams join the fan-out when their catch-up ends (read/catch-up.ts).
 */
import type { ServerResponse } from 'node:http';
import { compareIds } from '../domain/event-id.js';
import type { StreamFilter } from '../domain/stream-filter.js';
import {
  ClientStream,
  type CutReason,
  type LivePosition,
  type StreamOptions,
} from './client-stream.js';
import { type LogEntry, type Selected, selectFrames } from './frame-events.js';
import { judgeClient, type SlowClientLimits } from './slow-client-rule.js';
import {
  type BusHealth,
  formatConnected,
  formatHeartbeat,
  formatReauth,
  formatRetry,
  jitterRetryMs,
} from './sse-frame.js';

/** Hub settings (from config) and what it reports. */
export interface HubOptions extends SlowClientLimits {
  pingIntervalMs: number;
  retryMs: number;
  /** Reads the current bus health for connect and heartbeat frames. */
  busHealth: () => BusHealth;
  now?: () => number;
  /** Called for each batch walked, with what it wrote. */
  onDelivered?: (walk: DeliveredWalk) => void;
  onCut?: (reason: CutReason) => void;
  /** Called when a stream is ended because its token expired (after its `reauth` frame). */
  onExpired?: () => void;
  onOpenChange?: (open: number) => void;
  /** Called when a stream closes, with how long it was open (ms). */
  onClosed?: (openMs: number) => void;
  /** Clients written per slice of a fan-out before yielding to I/O (default 256). */
  fanOutSlice?: number;
  /** Bytes of frames accepted but not yet offered to every client, on every change. */
  onPendingChange?: (bytes: number) => void;
  /**
   * Write coalescing window (SSE_WRITE_WINDOW_MS; 0 = off): batches that come within it of
   * the last fan-out share one write per stream; a batch to an idle hub goes out at once.
   */
  writeWindowMs?: number;
}

/** The live streams that share one filter, and so one buffer per batch. */
interface Group {
  readonly filter: StreamFilter;
  readonly clients: Set<ClientStream>;
}

/** What one walk of a batch wrote. */
export interface DeliveredWalk {
  /** Streams written. */
  clients: number;
  /** Events in the batch. */
  events: number;
  /** Event frames written, summed over the streams (a filtered stream gets only its own). */
  deliveries: number;
  bytes: number;
}

/**
 * A batch on its way to every live client. Until its walk starts, later batches join it,
 * so under load several events share one write per client.
 */
interface FanOut {
  /** In seq order, never empty. */
  entries: LogEntry[];
  byteCount: number;
  /** The walk: groups in turn, and the clients of the current group. */
  groups: Iterator<Group> | null;
  group: (Selected & { clients: Iterator<ClientStream> }) | null;
  reached: number;
  delivered: number;
  written: number;
}

const DEFAULT_FAN_OUT_SLICE = 256;
/** Largest write of one fan-out: bigger batches are split, smaller waiting ones joined. */
const MAX_JOINED_BYTES = 256 * 1024;

/** Keeps the open streams, writes the live ones, and keeps them honest. */
export class Hub {
  /** Every open stream: heartbeats, sweeps and drains reach them all. */
  private readonly clients = new Set<ClientStream>();
  /** Live streams by filter key. */
  private readonly groups = new Map<string, Group>();
  private readonly options: HubOptions;
  private readonly now: () => number;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly fanOutSlice: number;
  /** Entries waiting for the end of a write window (write coalescing). */
  private held: LogEntry[] = [];
  private heldBytes = 0;
  private windowTimer: NodeJS.Timeout | null = null;
  private lastFanOutAtMs = Number.NEGATIVE_INFINITY;
  /** Batches accepted but not yet offered to every live client, oldest first. */
  private readonly pending: FanOut[] = [];
  private isPumpScheduled = false;
  private pendingByteCount = 0;
  /** The newest event offered to every live client (what `connected` and heartbeats name). */
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

  // One handler for every stream's close (no closure per stream).
  private readonly onClientClose = (client: ClientStream): void => {
    this.clients.delete(client);
    this.detach(client);
    this.options.onOpenChange?.(this.clients.size);
    this.options.onClosed?.(this.now() - client.openedAtMs);
  };

  /** Open streams. */
  get size(): number {
    return this.clients.size;
  }

  /** The id of the newest event offered to every live client, or null before the first. */
  get lastEventId(): string | null {
    return this.deliveredId;
  }

  /**
   * Opens a stream and writes its opening frames (retry, connected). It is not live yet:
   * its catch-up writes what it missed, then `join`s. `resumedFrom` (the client's cursor) is
   * echoed in `connected`.
   */
  open(
    res: ServerResponse,
    options: StreamOptions & { resumedFrom?: string | null } = {},
  ): ClientStream {
    const client = new ClientStream(res, this.now(), options, this.onClientClose);
    this.clients.add(client);
    this.options.onOpenChange?.(this.clients.size);
    const retryMs = jitterRetryMs(this.options.retryMs);
    client.write(
      formatRetry(retryMs) +
        formatConnected(this.now(), {
          lastEventId: this.deliveredId,
          bus: this.options.busHealth(),
          resumedFrom: options.resumedFrom ?? null,
          heartbeatMs: this.options.pingIntervalMs,
          retryMs,
        }),
    );
    return client;
  }

  /** Makes a stream live from `position`: every batch after it is written to it, in order. */
  join(client: ClientStream, position: LivePosition): void {
    if (client.isClosed) return;
    client.joinAt(position);
    const key = client.filter.key;
    let group = this.groups.get(key);
    if (!group) {
      group = { filter: client.filter, clients: new Set() };
      this.groups.set(key, group);
    }
    group.clients.add(client);
  }

  /** Takes a stream out of the fan-out (a catch-up starts again); it stays open. */
  detach(client: ClientStream): void {
    client.leave();
    const group = this.groups.get(client.filter.key);
    if (!group?.clients.delete(client)) return;
    if (group.clients.size === 0) this.groups.delete(client.filter.key);
  }

  /** Every open stream, after writing every queued batch (the drain ends them all). */
  openClients(): ClientStream[] {
    this.releaseHeld();
    this.pump(Number.POSITIVE_INFINITY);
    return [...this.clients];
  }

  /**
   * Queues a batch of log entries for every live client. Each batch walks the groups and
   * their clients with iterators, so a client that joins before the walk reaches it gets it
   * too — unless its catch-up already wrote it (its live position says so).
   */
  broadcast(entries: readonly LogEntry[]): void {
    if (entries.length === 0) return;
    const windowMs = this.options.writeWindowMs ?? 0;
    // Write coalescing: a batch that comes while a window is open waits for the window's
    // end and shares one write per stream with the others; one that comes to an idle hub
    // goes out at once and opens a window. Bounded in bytes too.
    const nowMs = performance.now();
    if (windowMs === 0 || (this.windowTimer === null && nowMs - this.lastFanOutAtMs >= windowMs)) {
      this.lastFanOutAtMs = nowMs;
      this.fanOut(entries);
      return;
    }
    this.held.push(...entries);
    for (const entry of entries) this.heldBytes += Buffer.byteLength(entry.frame);
    if (this.heldBytes >= MAX_JOINED_BYTES) {
      this.releaseHeld();
    } else if (this.windowTimer === null) {
      this.windowTimer = setTimeout(this.releaseHeld, this.lastFanOutAtMs + windowMs - nowMs);
      this.windowTimer.unref();
    }
  }

  // Fans out what waited for the window's end.
  private readonly releaseHeld = (): void => {
    if (this.windowTimer !== null) clearTimeout(this.windowTimer);
    this.windowTimer = null;
    const entries = this.held;
    this.held = [];
    this.heldBytes = 0;
    this.lastFanOutAtMs = performance.now();
    if (entries.length > 0) this.fanOut(entries);
  };

  private fanOut(entries: readonly LogEntry[]): void {
    const last = entries.at(-1) as LogEntry;
    if (this.groups.size === 0 && this.pending.length === 0) {
      this.deliveredId = last.id;
      return;
    }
    // A large batch (a burst read in one go) goes out in parts of at most MAX_JOINED_BYTES:
    // a reader's progress is only visible write by write, so one huge write would look like
    // a stalled reader to the slow-client rule.
    let part: LogEntry[] = [];
    let partBytes = 0;
    for (const entry of entries) {
      const bytes = Buffer.byteLength(entry.frame);
      if (part.length > 0 && partBytes + bytes > MAX_JOINED_BYTES) {
        this.enqueue(part, partBytes);
        part = [];
        partBytes = 0;
      }
      part.push(entry);
      partBytes += bytes;
    }
    this.enqueue(part, partBytes);
    if (!this.isPumpScheduled) this.pump(this.fanOutSlice);
  }

  /**
   * Sends a heartbeat now (also when the bus state changes, so screens learn at once). A
   * stream still catching up gets `last_event_id: null`: it has not been written everything
   * up to the gateway's newest id yet, so it must not resume from there.
   */
  heartbeat(): void {
    if (this.clients.size === 0) return;
    const nowMs = this.now();
    const bus = this.options.busHealth();
    const live = Buffer.from(formatHeartbeat(nowMs, bus, this.deliveredId));
    const catchingUp = Buffer.from(formatHeartbeat(nowMs, bus, null));
    for (const client of this.clients) client.write(client.isLive ? live : catchingUp);
  }

  /**
   * Judges every client once: a stream whose token has expired is told `reauth` and ended;
   * one with no progress or too much pending data is cut.
   */
  sweep(): void {
    const nowMs = this.now();
    for (const client of this.clients) {
      if (client.expiresAtMs !== null && nowMs >= client.expiresAtMs) {
        this.expire(client);
        continue;
      }
      const judged = judgeClient(client, client.pendingBytes(), nowMs, this.options);
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

  /** Ends a stream whose token expired: `reauth`, then the end once it is flushed. */
  private expire(client: ClientStream): void {
    if (client.isClosed) return;
    client.write(formatReauth('token_expired'));
    client.end();
    this.options.onExpired?.();
  }

  /** Ends every stream gracefully (drain) and stops the timers. */
  close(): void {
    for (const timer of this.timers) clearInterval(timer);
    this.releaseHeld();
    this.pump(Number.POSITIVE_INFINITY);
    for (const client of this.clients) client.end();
  }

  /** Ends one stream at once, freeing its buffers (slow, or its catch-up cannot complete). */
  cut(client: ClientStream, reason: CutReason): void {
    if (client.isClosed) return;
    this.options.onCut?.(reason);
    client.destroy();
  }

  // Queues entries for the fan-out. Under load batches queue behind a walk in progress:
  // the newest waiting one takes these too (it has reached no one yet, so the order per
  // client is the same).
  private enqueue(entries: LogEntry[], byteCount: number): void {
    this.pendingByteCount += byteCount;
    this.options.onPendingChange?.(this.pendingByteCount);
    const waiting = this.pending.length > 1 ? (this.pending.at(-1) as FanOut) : null;
    if (waiting && waiting.byteCount + byteCount <= MAX_JOINED_BYTES) {
      waiting.entries.push(...entries);
      waiting.byteCount += byteCount;
      return;
    }
    this.pending.push({
      entries,
      byteCount,
      groups: null,
      group: null,
      reached: 0,
      delivered: 0,
      written: 0,
    });
  }

  // Offers queued batches to up to `budget` clients, then yields to I/O if any are left.
  private pump(budget: number): void {
    this.isPumpScheduled = false;
    let left = budget;
    while (this.pending.length > 0) {
      const job = this.pending[0] as FanOut;
      left = this.walk(job, left);
      if (left === 0) {
        this.isPumpScheduled = true;
        setImmediate(() => {
          if (this.isPumpScheduled) this.pump(this.fanOutSlice);
        });
        return;
      }
      this.pending.shift();
      this.pendingByteCount -= job.byteCount;
      this.options.onPendingChange?.(this.pendingByteCount);
      this.deliveredId = (job.entries.at(-1) as LogEntry).id;
      const { reached: clients, delivered: deliveries, written: bytes } = job;
      this.options.onDelivered?.({ clients, events: job.entries.length, deliveries, bytes });
    }
  }

  // Offers one batch to the next clients of its walk. Returns the budget left, > 0 once
  // the walk is done; 0 when the budget ran out first (the walk may have more clients).
  private walk(job: FanOut, budget: number): number {
    // The walk starts: nothing joins this job any more (only the newest waiting one takes
    // new batches, and this one is at the head).
    job.groups ??= this.groups.values();
    let left = budget;
    while (left > 0) {
      if (job.group === null) {
        const next = job.groups.next();
        if (next.done) return left;
        const selected = selectFrames(job.entries, next.value.filter);
        // No event of this batch for this filter: none of its clients is written.
        if (selected.count > 0) job.group = { ...selected, clients: next.value.clients.values() };
        continue;
      }
      const next = job.group.clients.next();
      if (next.done) {
        job.group = null;
        continue;
      }
      left -= 1;
      this.offer(job, job.group, next.value);
    }
    return 0;
  }

  private offer(job: FanOut, forGroup: Selected, client: ClientStream): void {
    const { sentSeq, skipThroughId } = client;
    const first = job.entries[0] as LogEntry;
    const last = job.entries.at(-1) as LogEntry;
    // Its catch-up already wrote all of this batch.
    if (last.seq <= sentSeq) return;
    // Rare: right after a catch-up, part of the batch was written already.
    const { bytes, count } =
      first.seq <= sentSeq || skipThroughId !== null
        ? selectFrames(
            job.entries,
            client.filter,
            (entry) =>
              entry.seq > sentSeq &&
              (skipThroughId === null || compareIds(entry.id, skipThroughId) > 0),
          )
        : forGroup;
    client.advance(last.seq, skipThroughId !== null && compareIds(last.id, skipThroughId) >= 0);
    if (count === 0) return;
    client.write(bytes);
    job.reached += 1;
    job.delivered += count;
    job.written += bytes.length;
    // The hard cap is checked on every delivery too, so a burst cannot balloon memory
    // between sweeps.
    if (client.pendingBytes() > this.options.maxBufferedBytes) this.cut(client, 'buffer_overflow');
  }
}
