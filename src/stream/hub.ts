/**
 * The fan-out point: every accepted event is serialised once upstream and the same bytes are
 * written to every client, in order. One timer sweeps for slow clients, one sends heartbeats.
 * Later work hangs per-client filters and auth on `add`.
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
}

/** Keeps the set of open client streams and writes to them. */
export class Hub {
  private readonly clients = new Set<ClientStream>();
  private readonly options: HubOptions;
  private readonly now: () => number;
  private readonly timers: NodeJS.Timeout[] = [];
  private lastId: string | null = null;

  constructor(options: HubOptions) {
    this.options = options;
    this.now = options.now ?? Date.now;
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

  /** The id of the newest event broadcast, or null before the first. */
  get lastEventId(): string | null {
    return this.lastId;
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
        lastEventId: this.lastId,
        bus: this.options.busHealth(),
        resumedFrom,
        heartbeatMs: this.options.pingIntervalMs,
        retryMs,
      });
    client.write(opening);
    return client;
  }

  /**
   * Writes one batch of already-formatted event frames to every live client (one write
   * each: the events of one tick are coalesced upstream) and holds them for clients still
   * catching up. `entries` are the same frames one by one, `frames` their concatenation.
   */
  broadcast(frames: string, entries: CachedFrame[], lastId: string): void {
    this.lastId = lastId;
    if (this.clients.size === 0) return;
    const bytes = Buffer.from(frames);
    const { maxBufferedBytes } = this.options;
    let reached = 0;
    for (const client of this.clients) {
      const delivery = client.deliver(bytes, entries, lastId);
      if (delivery === 'skipped') continue;
      if (delivery === 'written') reached += 1;
      // The hard cap is checked on every delivery too (held frames count), so a burst
      // cannot balloon memory between sweeps.
      if (client.pendingBytes() + client.heldBytes > maxBufferedBytes) {
        this.cut(client, 'buffer_overflow');
      }
    }
    this.options.onDelivered?.(reached, entries.length, bytes.length * reached);
  }

  /**
   * Ends a catch-up: writes `opening` (snapshot, replayed frames), then the held live
   * frames newer than `throughId`, and switches the client to live, all in one step.
   */
  goLive(client: ClientStream, opening: string | Buffer, throughId: string | null): void {
    // The history read may be ahead of this gateway's broadcasts: the client skips those.
    client.goLive(opening, throughId, this.lastId);
  }

  /** Every open client, for restarting catch-ups after a history break. */
  allClients(): ClientStream[] {
    return [...this.clients];
  }

  /** Cuts one client (a catch-up that cannot complete: it reconnects with its cursor). */
  drop(client: ClientStream, reason: CutReason): void {
    this.cut(client, reason);
  }

  /** Sends a heartbeat now (also used when the bus state changes, so screens learn at once). */
  heartbeat(): void {
    if (this.clients.size === 0) return;
    const frame = Buffer.from(formatHeartbeat(this.now(), this.options.busHealth(), this.lastId));
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
    for (const client of this.clients) client.end();
  }

  private cut(client: ClientStream, reason: CutReason): void {
    if (client.isClosed) return;
    this.options.onCut?.(reason);
    client.destroy();
  }
}
