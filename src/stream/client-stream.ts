/**
 * One SSE connection: the PassThrough body piped to the response, plus its state. The state
 * is private and changes only through the methods below (better-sse's Session is the
 * model): the hub delivers and judges, the catch-up owner (src/replay/replayer.ts) holds
 * and releases live frames. No timers or closures per event live here: the hub sweeps all
 * clients from one timer.
 */
import type { ServerResponse } from 'node:http';
import { PassThrough } from 'node:stream';
import { compareIds } from '../domain/event-id.js';
import type { CachedFrame } from './frame-cache.js';
import type { ProgressState } from './slow-client-rule.js';

/** Why the server ended a stream. */
export type CutReason = 'send_timeout' | 'buffer_overflow' | 'replay_unavailable' | 'shutdown';

/** What became of one live batch offered to a client. */
export type Delivery = 'written' | 'held' | 'skipped';

/** A connected client, owned by the hub from `add` until its body closes. */
export class ClientStream {
  /**
   * The response body; its 'close' is the one disconnect signal (the response's 'close'
   * fires first and the body's ~3 ms later: listening to one avoids a double removal).
   */
  readonly body: PassThrough;
  private readonly res: ServerResponse;
  private closed = false;
  private readonly progress: ProgressState;
  /**
   * Live frames held while the client catches up (replay or snapshot in flight); null once
   * live. Their bytes count against the same cap as pending socket data.
   */
  private held: CachedFrame[] | null = null;
  private heldByteCount = 0;
  /**
   * After a catch-up read from the history, events up to this id were already sent, but
   * this gateway may not have broadcast them yet: live frames up to it are skipped.
   */
  private skipThroughId: string | null = null;
  /** Bumped when a catch-up is restarted (history break), so a stale one stops. */
  private catchUp = 0;

  constructor(res: ServerResponse, nowMs: number) {
    this.res = res;
    this.progress = { writtenBytes: 0, flushedBytes: 0, lastProgressAtMs: nowMs };
    // A small high-water mark: pending data is measured and capped by the hub, not by the
    // stream, and write() is never awaited so one slow socket cannot slow the fan-out.
    this.body = new PassThrough({ highWaterMark: 16 * 1024 });
    this.body.once('close', () => {
      this.closed = true;
    });
    // Errors surface as 'close' (the one disconnect signal); without a listener an error
    // event on the body would be thrown.
    this.body.on('error', () => undefined);
  }

  /** True once the stream ended, was cut, or the client went away. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** The current catch-up's number: a catch-up that finds another one started gives up. */
  get catchUpId(): number {
    return this.catchUp;
  }

  /** Bytes of live frames held for this client while it catches up. */
  get heldBytes(): number {
    return this.heldByteCount;
  }

  /** Progress so far, for the slow-client rule. */
  get progressState(): Readonly<ProgressState> {
    return this.progress;
  }

  /** Stores what the slow-client rule measured at the last sweep. */
  recordProgress(flushedBytes: number, lastProgressAtMs: number): void {
    this.progress.flushedBytes = flushedBytes;
    this.progress.lastProgressAtMs = lastProgressAtMs;
  }

  /** Queues bytes for this client; a closed client ignores them. */
  write(chunk: string | Buffer): void {
    if (this.closed) return;
    this.progress.writtenBytes +=
      typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
    this.body.write(chunk);
  }

  /**
   * Offers one live batch (`bytes` is `entries` joined): written at once when live, held
   * while catching up, and stripped of what a catch-up already sent right after one.
   */
  deliver(bytes: Buffer, entries: readonly CachedFrame[], lastId: string): Delivery {
    if (this.held) {
      this.held.push(...entries);
      this.heldByteCount += bytes.length;
      return 'held';
    }
    if (this.skipThroughId !== null) {
      // Rare: only right after a catch-up that ran ahead of this gateway's broadcasts.
      const skip = this.skipThroughId;
      if (compareIds(lastId, skip) <= 0) return 'skipped';
      this.skipThroughId = null;
      this.write(
        entries
          .filter((e) => compareIds(e.id, skip) > 0)
          .map((e) => e.frame)
          .join(''),
      );
      return 'written';
    }
    this.write(bytes);
    return 'written';
  }

  /** Starts (or restarts, after a history break) a catch-up: live frames are held. */
  holdLive(): number {
    this.held = [];
    this.heldByteCount = 0;
    this.skipThroughId = null;
    this.catchUp += 1;
    return this.catchUp;
  }

  /**
   * Ends a catch-up in one step: writes `opening` (snapshot, replayed frames), then the
   * held live frames newer than `throughId`, and goes live. `newestBroadcastId` is the
   * gateway's newest broadcast: a history read ahead of it means the next live frames up
   * to `throughId` were already sent.
   */
  goLive(
    opening: string | Buffer,
    throughId: string | null,
    newestBroadcastId: string | null,
  ): void {
    if (this.closed) return;
    const held = this.held ?? [];
    this.held = null;
    this.heldByteCount = 0;
    if (opening.length > 0) this.write(opening);
    let text = '';
    for (const entry of held) {
      if (throughId === null || compareIds(entry.id, throughId) > 0) text += entry.frame;
    }
    if (text !== '') this.write(text);
    const isAhead = throughId !== null && compareIds(throughId, newestBroadcastId ?? '0-0') > 0;
    this.skipThroughId = isAhead ? throughId : null;
  }

  /** Bytes accepted by the stream but not yet taken by the kernel. */
  pendingBytes(): number {
    // The body is piped straight to the socket (src/http/stream-route.ts); the response
    // only ever held the headers.
    const socket = this.res.socket;
    return (
      this.body.readableLength +
      this.body.writableLength +
      this.res.writableLength +
      (socket ? socket.writableLength : 0)
    );
  }

  /** Ends the connection at once and frees its buffers (a cut drops queued data on purpose). */
  destroy(): void {
    if (this.closed) return;
    this.closed = true;
    this.held = null;
    this.body.destroy();
    this.res.destroy();
  }

  /** Ends the stream after what is queued has been flushed (graceful drain). */
  end(): void {
    if (this.closed) return;
    // Closed for writers now: a batch still in flight must not write after end(), which
    // would raise an unhandled 'error' on the body and crash the process.
    this.closed = true;
    this.body.end();
  }
}
