/**
 * One SSE connection: the PassThrough body Koa pipes to the response, plus the little state
 * the hub needs to judge it. No timers or closures per event live here: the hub sweeps all
 * clients from one timer.
 */
import type { ServerResponse } from 'node:http';
import { PassThrough } from 'node:stream';
import type { CachedFrame } from './frame-cache.js';
import type { ProgressState } from './slow-client-rule.js';

/** Why the server ended a stream. */
export type CutReason = 'send_timeout' | 'buffer_overflow' | 'replay_unavailable' | 'shutdown';

/** A connected client, owned by the hub from `add` until its body closes. */
export class ClientStream implements ProgressState {
  /**
   * The response body; its 'close' is the one disconnect signal (the response's 'close'
   * fires first and the body's ~3 ms later: listening to one avoids a double removal).
   */
  readonly body: PassThrough;
  writtenBytes = 0;
  flushedBytes = 0;
  lastProgressAtMs: number;
  isClosed = false;
  /**
   * Live frames held while the client catches up (replay or snapshot in flight); null once
   * live. Bytes are counted against the same buffer cap as pending socket data.
   */
  backlog: CachedFrame[] | null = null;
  backlogBytes = 0;
  /**
   * After a catch-up read from the history, events up to this id were already sent, but
   * this gateway may not have broadcast them yet: live frames up to it are skipped.
   */
  skipThroughId: string | null = null;
  /** Bumped when a catch-up is restarted (history break), so a stale one stops. */
  generation = 0;
  private readonly res: ServerResponse;

  constructor(res: ServerResponse, nowMs: number) {
    this.res = res;
    this.lastProgressAtMs = nowMs;
    // A small high-water mark: pending data is measured and capped by the hub, not by the
    // stream, and write() is never awaited so one slow socket cannot slow the fan-out.
    this.body = new PassThrough({ highWaterMark: 16 * 1024 });
    this.body.once('close', () => {
      this.isClosed = true;
    });
    // Errors surface as 'close' (the one disconnect signal); without a listener an error
    // event on the body would be thrown.
    this.body.on('error', () => undefined);
  }

  /** Queues bytes for this client; a closed client ignores them. */
  write(chunk: string | Buffer): void {
    if (this.isClosed) return;
    this.writtenBytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
    this.body.write(chunk);
  }

  /** Bytes accepted by the stream but not yet taken by the kernel. */
  pendingBytes(): number {
    return this.body.readableLength + this.body.writableLength + this.res.writableLength;
  }

  /** Ends the connection at once and frees its buffers (a cut drops queued data on purpose). */
  destroy(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.body.destroy();
    this.res.destroy();
  }

  /** Ends the stream after what is queued has been flushed (graceful drain). */
  end(): void {
    if (this.isClosed) return;
    // Closed for writers now: a batch still in flight must not write after end(), which
    // would raise an unhandled 'error' on the body and crash the process.
    this.isClosed = true;
    this.body.end();
  }
}
