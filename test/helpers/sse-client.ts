/**
 * A real Server-Sent Events client over raw `node:http` that records every parsed frame and
 * the exact text received, so tests can assert both the events and the bytes on the wire.
 *
 * Parsing follows the WHATWG "event stream interpretation"
 * (https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation):
 * lines end in CRLF, LF or CR; `:` lines are comments; `data` lines are joined with "\n";
 * a blank line dispatches. `frames` holds exactly what a browser's EventSource would
 * dispatch: a block without data lines (e.g. a lone `retry: 1000`) is not a frame. Its
 * effects are still visible: `retry` holds the latest reconnection time and `comments` the
 * comment lines. A frame's `id` is the `id:` field of its own block; `lastEventId` is the
 * spec's persisted value a browser would expose.
 *
 * A stream of a gateway route is held to docs/asyncapi.yaml (api-contract.ts): every frame
 * is checked as it arrives, by its event name, and the first that breaks the document
 * fails every wait from then on and the teardown of `openTestSse`, so the test that
 * received it fails, naming the frame and ajv's path.
 */
import http, {
  type ClientRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
} from 'node:http';
import type { ExecutionContext } from 'ava';
import { type FrameFields, frameCheckerFor } from './api-contract.js';
import { DEFAULT_TIMEOUT_MS, WaitTimeoutError } from './wait.js';

/** One dispatched event. */
export interface SseFrame {
  /** The `event:` field, `'message'` when absent or empty. */
  event: string;
  /** The `data:` lines joined with "\n". */
  data: string;
  /** The `id:` field of this block, when it had one (`''` for a bare `id:`). */
  id?: string;
  /** The `retry:` field of this block, when it had a valid (all-digit) one. */
  retry?: number;
  /** The last event id as the spec defines it (persists across blocks). */
  lastEventId: string;
  /**
   * The block's text: every line since the previous blank line (comments included) with its
   * terminator, through the blank line. When a CR ends the blank line and its LF arrives in
   * the next chunk, that LF is not included (`rawText` always has it).
   */
  raw: string;
}

/** Optional observers of the parts of a stream that are not frames. */
export interface SseParserHooks {
  /** Called for each valid `retry:` field with the reconnection time in ms. */
  onRetry?(retryMs: number): void;
  /** Called for each comment line with the text after the `:`. */
  onComment?(text: string): void;
}

/** A streaming SSE parser fed with decoded text. */
export interface SseParser {
  /** Parses the next piece of the stream; pieces may split lines anywhere, even CR from LF. */
  push(chunk: string): void;
  /** Ends the stream: a block without its blank line is discarded, as the spec says. */
  end(): void;
}

/** Creates a pure, spec-following SSE parser that calls `onFrame` for each dispatched event. */
export function createSseParser(
  onFrame: (frame: SseFrame) => void,
  hooks: SseParserHooks = {},
): SseParser {
  let buffer = '';
  /** Index in `buffer` up to which no line terminator exists (avoids rescanning long lines). */
  let scannedTo = 0;
  let isAtStreamStart = true;
  let isAfterCr = false;
  let raw = '';
  let data = '';
  let eventType = '';
  let blockId: string | undefined;
  let blockRetry: number | undefined;
  let lastEventId = '';

  const dispatch = (): void => {
    if (data !== '') {
      const frame: SseFrame = {
        event: eventType === '' ? 'message' : eventType,
        data: data.endsWith('\n') ? data.slice(0, -1) : data,
        lastEventId,
        raw,
      };
      if (blockId !== undefined) frame.id = blockId;
      if (blockRetry !== undefined) frame.retry = blockRetry;
      onFrame(frame);
    }
    raw = '';
    data = '';
    eventType = '';
    blockId = undefined;
    blockRetry = undefined;
  };

  const processLine = (line: string): void => {
    if (line === '') {
      dispatch();
      return;
    }
    if (line.startsWith(':')) {
      hooks.onComment?.(line.slice(1));
      return;
    }
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'event':
        eventType = value;
        break;
      case 'data':
        data += `${value}\n`;
        break;
      case 'id':
        // The spec ignores an id containing NULL.
        if (!value.includes('\0')) {
          lastEventId = value;
          blockId = value;
        }
        break;
      case 'retry':
        if (/^[0-9]+$/.test(value)) {
          blockRetry = Number.parseInt(value, 10);
          hooks.onRetry?.(blockRetry);
        }
        break;
      default:
      // Unknown fields are ignored.
    }
  };

  return {
    push(chunk: string): void {
      let text = chunk;
      if (isAtStreamStart && text.length > 0) {
        isAtStreamStart = false;
        if (text.startsWith('\uFEFF')) text = text.slice(1);
      }
      if (isAfterCr && text.length > 0) {
        isAfterCr = false;
        // The LF of a CRLF split across chunks: the line already ended at the CR.
        if (text.startsWith('\n')) {
          if (raw !== '') raw += '\n';
          text = text.slice(1);
        }
      }
      buffer += text;
      let lineStart = 0;
      let i = scannedTo;
      while (i < buffer.length) {
        const code = buffer.charCodeAt(i);
        if (code !== 10 && code !== 13) {
          i++;
          continue;
        }
        let next = i + 1;
        if (code === 13) {
          if (next === buffer.length) isAfterCr = true;
          else if (buffer.charCodeAt(next) === 10) next++;
        }
        raw += buffer.slice(lineStart, next);
        processLine(buffer.slice(lineStart, i));
        lineStart = next;
        i = next;
      }
      buffer = buffer.slice(lineStart);
      scannedTo = buffer.length;
    },
    end(): void {
      buffer = '';
      scannedTo = 0;
      raw = '';
      data = '';
      eventType = '';
      blockId = undefined;
      blockRetry = undefined;
    },
  };
}

/** Options of `openSse`. */
export interface OpenSseOptions {
  /** Extra request headers (e.g. `Last-Event-ID`); `Accept: text/event-stream` is sent by default. */
  headers?: Record<string, string>;
  /** Start with reading paused, as if `pauseReading()` was called when the headers arrived. */
  pause?: boolean;
  /** Deadline for the response headers (and, on a non-200, its body); default 20 s. */
  timeoutMs?: number;
}

/** Options of the frame waits; `timeoutMs` defaults to 20 s. */
export interface FrameWaitOptions {
  timeoutMs?: number;
}

/** Selects frames in `next` and `waitForFrames`. */
export type FramePredicate = (frame: SseFrame) => boolean;

type WaitOutcome<T> = { value: T } | { error: Error } | undefined;

/** One open SSE connection and everything it has received. Create it with `openSse`. */
export class SseClient {
  /** HTTP status of the response (always 200: `openSse` rejects anything else). */
  readonly status: number;
  /** Response headers. */
  readonly headers: IncomingHttpHeaders;
  /** Every dispatched frame so far, in order. */
  readonly frames: SseFrame[] = [];
  /** Every comment line so far (text after the `:`). */
  readonly comments: string[] = [];
  /** Resolves when the connection is over: the server ended or reset it, or `close()` was called. */
  readonly closed: Promise<void>;

  #rawText = '';
  #bytesReceived = 0;
  #retryMs: number | undefined;
  #isClosed = false;
  #isClosedByUs = false;
  #error: Error | undefined;
  #violation: Error | undefined;
  #cursor = 0;
  readonly #waiters = new Set<() => void>();
  readonly #req: ClientRequest;
  readonly #res: IncomingMessage;
  // ignoreBOM keeps a BOM in rawText (exact bytes); the parser strips it per the spec.
  readonly #decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  readonly #parser: SseParser;

  /** @internal Use `openSse`. `checkFrame` throws on a frame that breaks the documents. */
  constructor(
    req: ClientRequest,
    res: IncomingMessage,
    isPaused: boolean,
    checkFrame: ((frame: FrameFields) => void) | null = null,
  ) {
    this.#req = req;
    this.#res = res;
    this.status = res.statusCode ?? 0;
    this.headers = res.headers;
    const onFrame = (frame: SseFrame): void => {
      this.frames.push(frame);
      if (checkFrame === null || this.#violation !== undefined) return;
      try {
        checkFrame(frame);
      } catch (error) {
        this.#violation = error instanceof Error ? error : new Error(String(error));
      }
    };
    this.#parser = createSseParser(onFrame, {
      onRetry: (retryMs) => {
        this.#retryMs = retryMs;
      },
      onComment: (text) => this.comments.push(text),
    });
    let resolveClosed: () => void = () => {};
    this.closed = new Promise((resolve) => {
      resolveClosed = resolve;
    });

    res.on('data', (chunk: Buffer) => {
      this.#bytesReceived += chunk.length;
      // Streaming decode: a UTF-8 character split across chunks waits for its last byte.
      this.#receive(this.#decoder.decode(chunk, { stream: true }));
    });
    res.on('end', () => {
      this.#receive(this.#decoder.decode());
      this.#parser.end();
    });
    const onError = (error: Error): void => {
      if (!this.#isClosedByUs) this.#error ??= error;
    };
    res.on('error', onError);
    req.on('error', onError);
    res.on('close', () => {
      this.#isClosed = true;
      resolveClosed();
      this.#notify();
    });
    if (isPaused) this.pauseReading();
  }

  /** Everything received so far, decoded as UTF-8 (a split character appears once complete). */
  get rawText(): string {
    return this.#rawText;
  }

  /** Body bytes received so far. */
  get bytesReceived(): number {
    return this.#bytesReceived;
  }

  /** The latest valid `retry:` value received, in ms. */
  get retry(): number | undefined {
    return this.#retryMs;
  }

  /** True once the connection is over. */
  get isClosed(): boolean {
    return this.#isClosed;
  }

  /** The network error that ended the connection, if it did not end cleanly or by `close()`. */
  get error(): Error | undefined {
    return this.#error;
  }

  /** The first frame that broke docs/asyncapi.yaml (a `ContractViolation`), if any. */
  get contractViolation(): Error | undefined {
    return this.#violation;
  }

  /**
   * Resolves with the first frame after those already returned by `next` that matches
   * `predicate` (default: any); frames skipped over are consumed too. Rejects as soon as
   * the stream closes without one, or after `timeoutMs` (default 20 s).
   */
  next(predicate: FramePredicate = () => true, options: FrameWaitOptions = {}): Promise<SseFrame> {
    let scanFrom = this.#cursor;
    return this.#waitUntil(
      () => {
        for (; scanFrom < this.frames.length; scanFrom++) {
          const frame = this.frames[scanFrom];
          if (frame !== undefined && predicate(frame)) {
            this.#cursor = Math.max(this.#cursor, scanFrom + 1);
            return { value: frame };
          }
        }
        return undefined;
      },
      `next SSE frame matching ${describePredicate(predicate)}`,
      options.timeoutMs,
    );
  }

  /**
   * Resolves, once a frame matching `isLast` has arrived, with every frame received so far
   * that matches `predicate`: the whole list to compare, so a duplicate or a stray frame
   * before the last one fails the comparison ("exactly once" means: wait for the last,
   * then compare everything). Independent of `next`'s cursor.
   */
  framesThrough(
    isLast: FramePredicate,
    predicate: FramePredicate = () => true,
    options: FrameWaitOptions = {},
  ): Promise<SseFrame[]> {
    return this.#waitUntil(
      () => (this.frames.some(isLast) ? { value: this.frames.filter(predicate) } : undefined),
      `an SSE frame matching ${describePredicate(isLast)}`,
      options.timeoutMs,
    );
  }

  /**
   * Resolves with all frames matching `predicate` (default: any) once there are at least
   * `count` of them (more if more arrived in the same chunk). Independent of `next`'s cursor.
   */
  waitForFrames(
    count: number,
    predicate: FramePredicate = () => true,
    options: FrameWaitOptions = {},
  ): Promise<SseFrame[]> {
    return this.#waitUntil(
      () => {
        const matching = this.frames.filter(predicate);
        return matching.length >= count ? { value: matching } : undefined;
      },
      `${count} SSE frames matching ${describePredicate(predicate)}`,
      options.timeoutMs,
    );
  }

  /**
   * Stops reading, to play a stalled browser. `res.pause()` stops 'data' events and
   * `socket.pause()` stops the socket's reads; once Node's small readable buffers are full
   * libuv stops reading from the kernel, the kernel receive buffer fills, the TCP window
   * closes and the server's socket buffers and then its `writableLength` grow, until its
   * `write()` returns false. Expect the kernel to absorb a few MiB first.
   */
  pauseReading(): void {
    this.#res.pause();
    this.#res.socket?.pause();
  }

  /** Reads again after `pauseReading()`; buffered bytes are then delivered and parsed. */
  resumeReading(): void {
    this.#res.socket?.resume();
    this.#res.resume();
  }

  /** Destroys the connection (the server sees the client go away). Idempotent. */
  close(): void {
    if (this.#isClosedByUs) return;
    this.#isClosedByUs = true;
    this.#req.destroy();
    this.#res.destroy();
  }

  #receive(text: string): void {
    if (text === '') return;
    this.#rawText += text;
    this.#parser.push(text);
    this.#notify();
  }

  #notify(): void {
    for (const waiter of [...this.#waiters]) waiter();
  }

  #waitUntil<T>(
    check: () => WaitOutcome<T>,
    waitingFor: string,
    timeoutMs = DEFAULT_TIMEOUT_MS,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const waiter = (): void => {
        let outcome: WaitOutcome<T>;
        try {
          // A frame that broke the documents fails every wait after it.
          outcome = this.#violation === undefined ? check() : { error: this.#violation };
          if (outcome === undefined && this.#isClosed) {
            outcome = {
              error: new Error(`stream closed before ${waitingFor}; ${this.#summary()}`),
            };
          }
        } catch (error) {
          outcome = { error: error instanceof Error ? error : new Error(String(error)) };
        }
        if (outcome === undefined) return;
        this.#waiters.delete(waiter);
        clearTimeout(timer);
        if ('value' in outcome) resolve(outcome.value);
        else reject(outcome.error);
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(new WaitTimeoutError(timeoutMs, `${waitingFor}; ${this.#summary()}`));
      }, timeoutMs);
      this.#waiters.add(waiter);
      waiter();
    });
  }

  #summary(): string {
    const events = this.frames.slice(-10).map((frame) => frame.event);
    const state = this.#isClosed
      ? `closed${this.#error ? ` (${this.#error.message})` : ''}`
      : 'open';
    return `received ${this.frames.length} frames (last events: ${events.join(', ') || 'none'}), ${this.#bytesReceived} bytes, stream ${state}`;
  }
}

/**
 * Opens `GET url` as an SSE stream on its own socket (no keep-alive agent). Resolves once
 * the response headers arrive; rejects on a non-200 (with status and body), on a
 * connection error, or after `timeoutMs` (default 20 s).
 */
export function openSse(url: string, options: OpenSseOptions = {}): Promise<SseClient> {
  const { timeoutMs = DEFAULT_TIMEOUT_MS } = options;
  return new Promise<SseClient>((resolve, reject) => {
    const req = http.get(url, {
      agent: false,
      headers: { accept: 'text/event-stream', ...options.headers },
    });
    const fail = (error: Error): void => {
      clearTimeout(timer);
      req.destroy();
      reject(error);
    };
    const timer = setTimeout(
      () => fail(new WaitTimeoutError(timeoutMs, `response to GET ${url}`)),
      timeoutMs,
    );
    req.once('error', (error) =>
      fail(new Error(`GET ${url} failed: ${error.message}`, { cause: error })),
    );
    req.once('response', (res) => {
      if (res.statusCode === 200) {
        clearTimeout(timer);
        resolve(new SseClient(req, res, options.pause === true, frameCheckerFor(url)));
        return;
      }
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (text: string) => {
        body += text;
      });
      res.on('error', () => {});
      res.on('end', () =>
        fail(new Error(`GET ${url} answered ${res.statusCode} ${res.statusMessage}: ${body}`)),
      );
    });
  });
}

/**
 * `openSse` for one ava test: registers a teardown right away that closes it and fails the
 * test if any frame broke docs/asyncapi.yaml (also one the test never waited for).
 */
export async function openTestSse(
  t: Pick<ExecutionContext, 'teardown'>,
  url: string,
  options: OpenSseOptions = {},
): Promise<SseClient> {
  const client = await openSse(url, options);
  t.teardown(() => {
    client.close();
    if (client.contractViolation !== undefined) throw client.contractViolation;
  });
  return client;
}

function describePredicate(predicate: FramePredicate): string {
  const source = String(predicate).replace(/\s+/g, ' ').trim();
  return source.length > 120 ? `${source.slice(0, 117)}...` : source;
}
