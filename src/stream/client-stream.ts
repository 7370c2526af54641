/**
 * One SSE connection: the PassThrough body piped to the socket, its filter, and where it
 * stands. The state is private and changes only through the methods below (better-sse's
 * Session is the model). No timers or closures per event live here: the hub sweeps all
 * clients from one timer.
 */
import type { ServerResponse } from 'node:http';
import { PassThrough } from 'node:stream';
import { MATCH_ALL, type StreamFilter } from '../domain/stream-filter.js';
import type { ProgressState } from './slow-client-rule.js';

/** Why the server ended a stream. */
export type CutReason = 'send_timeout' | 'buffer_overflow' | 'replay_unavailable' | 'shutdown';

/** What a stream is opened with. */
export interface StreamOptions {
  /** What it selects (default: everything). */
  filter?: StreamFilter;
  /** When its token expires (epoch ms): it is sent `reauth` and ended then. */
  expiresAtMs?: number | null;
}

/** Where a stream joins the live fan-out: everything after it is written to it. */
export interface LivePosition {
  /** The log `seq` of the newest event already written to this stream (0 for none). */
  sentSeq: number;
  /**
   * Set when a catch-up read the history ahead of this gateway's fan-out: events up to this
   * id were written already and are skipped when the fan-out reaches them.
   */
  skipThroughId: string | null;
}

/** A connected client, owned by the hub from `open` until its body closes. */
export class ClientStream {
  /**
   * The response body; its 'close' is the one disconnect signal (the response's 'close'
   * fires first and the body's a few ms later: listening to one avoids a double removal).
   */
  readonly body: PassThrough;
  readonly filter: StreamFilter;
  /** When the stream's token expires (epoch ms), or null. */
  readonly expiresAtMs: number | null;
  private readonly res: ServerResponse;
  private isEnded = false;
  private readonly progress: ProgressState;
  private position: LivePosition = { sentSeq: 0, skipThroughId: null };
  private isJoined = false;

  constructor(res: ServerResponse, nowMs: number, options: StreamOptions = {}) {
    this.res = res;
    this.filter = options.filter ?? MATCH_ALL;
    this.expiresAtMs = options.expiresAtMs ?? null;
    this.progress = { writtenBytes: 0, flushedBytes: 0, lastProgressAtMs: nowMs };
    // A small high-water mark: pending data is measured and capped by the hub, not by the
    // stream, and write() is never awaited so one slow socket cannot slow the fan-out.
    this.body = new PassThrough({ highWaterMark: 16 * 1024 });
    this.body.once('close', () => {
      this.isEnded = true;
    });
    // Errors surface as 'close' (the one disconnect signal); without a listener an error
    // event on the body would be thrown.
    this.body.on('error', () => undefined);
  }

  /** True once the stream ended, was cut, or the client went away. */
  get isClosed(): boolean {
    return this.isEnded;
  }

  /** Where this stream stands in the fan-out. */
  get livePosition(): Readonly<LivePosition> {
    return this.position;
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

  /** True while the stream is in the fan-out (its catch-up has ended). */
  get isLive(): boolean {
    return this.isJoined;
  }

  /** Sets where the stream joins the fan-out (a catch-up ending). */
  joinAt(position: LivePosition): void {
    this.position = { ...position };
    this.isJoined = true;
  }

  /** Takes the stream out of the fan-out (a catch-up starts again). */
  leave(): void {
    this.isJoined = false;
  }

  /** Records that events through `seq` have been offered; passes the skip mark once beyond it. */
  advance(seq: number, isPastSkip: boolean): void {
    this.position.sentSeq = seq;
    if (isPastSkip) this.position.skipThroughId = null;
  }

  /** Queues bytes for this client; a closed client ignores them. */
  write(chunk: string | Buffer): void {
    if (this.isEnded) return;
    this.progress.writtenBytes +=
      typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
    this.body.write(chunk);
  }

  /** Bytes accepted by the stream but not yet taken by the kernel. */
  pendingBytes(): number {
    // The body is piped straight to the socket (attach-stream.ts); the response only ever
    // held the headers.
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
    if (this.isEnded) return;
    this.isEnded = true;
    this.body.destroy();
    this.res.destroy();
  }

  /** Ends the stream after what is queued has been flushed (graceful drain). */
  end(): void {
    if (this.isEnded) return;
    // Closed for writers now: a batch still in flight must not write after end(), which
    // would raise an unhandled 'error' on the body and crash the process.
    this.isEnded = true;
    this.body.end();
  }
}
