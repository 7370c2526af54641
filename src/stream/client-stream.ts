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

/** Errors surface as 'close' (the one disconnect signal); one shared no-op listener. */
const ignoreError = () => undefined;

/**
 * A connected client, owned by the hub from `open` until its body closes. Its state is a
 * handful of flat fields (one object per stream, no closures of its own): it is the
 * progress the slow-client rule reads and the live position the fan-out reads.
 */
export class ClientStream implements Readonly<ProgressState>, Readonly<LivePosition> {
  /** The response body, piped to the socket; its 'close' is the one disconnect signal. */
  readonly body: PassThrough;
  readonly filter: StreamFilter;
  /** When the stream's token expires (epoch ms), or null. */
  readonly expiresAtMs: number | null;
  /** When the stream was opened (epoch ms). */
  readonly openedAtMs: number;
  private readonly res: ServerResponse;
  private isEnded = false;
  private isJoined = false;
  private written = 0;
  private flushed = 0;
  private progressAtMs: number;
  private sent = 0;
  private skipThrough: string | null = null;

  /** `onClose` runs once, when the body closes (after the client is marked closed). */
  constructor(
    res: ServerResponse,
    nowMs: number,
    options: StreamOptions = {},
    onClose?: (client: ClientStream) => void,
  ) {
    this.res = res;
    this.filter = options.filter ?? MATCH_ALL;
    this.expiresAtMs = options.expiresAtMs ?? null;
    this.progressAtMs = nowMs;
    this.openedAtMs = nowMs;
    // A small high-water mark: pending data is measured and capped by the hub, not by the
    // stream, and write() is never awaited so one slow socket cannot slow the fan-out.
    this.body = new PassThrough({ highWaterMark: 16 * 1024 });
    this.body.on('close', () => {
      this.isEnded = true;
      onClose?.(this);
    });
    this.body.on('error', ignoreError);
  }

  /** True once the stream ended, was cut, or the client went away. */
  get isClosed(): boolean {
    return this.isEnded;
  }

  /** Bytes handed to the stream so far (slow-client rule). */
  get writtenBytes(): number {
    return this.written;
  }

  /** Bytes that had left the process at the last sweep (slow-client rule). */
  get flushedBytes(): number {
    return this.flushed;
  }

  /** When the stream last made progress (slow-client rule). */
  get lastProgressAtMs(): number {
    return this.progressAtMs;
  }

  /** The log `seq` of the newest event already written to this stream. */
  get sentSeq(): number {
    return this.sent;
  }

  /** Events up to this id were written by a catch-up ahead of the fan-out, or null. */
  get skipThroughId(): string | null {
    return this.skipThrough;
  }

  /** True while the stream is in the fan-out (its catch-up has ended). */
  get isLive(): boolean {
    return this.isJoined;
  }

  /** Stores what the slow-client rule measured at the last sweep. */
  recordProgress(flushedBytes: number, lastProgressAtMs: number): void {
    this.flushed = flushedBytes;
    this.progressAtMs = lastProgressAtMs;
  }

  /** Sets where the stream joins the fan-out (a catch-up ending). */
  joinAt(position: LivePosition): void {
    this.sent = position.sentSeq;
    this.skipThrough = position.skipThroughId;
    this.isJoined = true;
  }

  /** Takes the stream out of the fan-out (a catch-up starts again). */
  leave(): void {
    this.isJoined = false;
  }

  /** Records that events through `seq` have been offered; passes the skip mark once beyond it. */
  advance(seq: number, isPastSkip: boolean): void {
    this.sent = seq;
    if (isPastSkip) this.skipThrough = null;
  }

  /** Queues bytes for this client; a closed client ignores them. */
  write(chunk: string | Buffer): void {
    if (this.isEnded) return;
    this.written += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
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
