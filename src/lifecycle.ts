/**
 * The gateway's shutdown, in one place and in order, over the parts it is given (tests give
 * fakes): readiness turns 503; after `drainDelayMs` the open streams are ended at random
 * over the drain window while events keep flowing to the streams still open; then the
 * server stops taking connections, the feed stops, and the pool finishes what it holds.
 */
import type { DrainReport } from './stream/drain.js';

/** What the lifecycle stops, in the order it stops them. */
export interface LifecycleParts {
  /** Stops accepting connections; resolves when every connection has ended. */
  closeServer(): Promise<void>;
  /** Cuts the connections still open (streams that do not finish their last flush). */
  closeAllConnections(): void;
  /** Ends every open stream gracefully. */
  endStreams(): void;
  /** Ends the open streams spread over the drain window, events still flowing meanwhile. */
  drainStreams(): Promise<DrainReport>;
  /** Stops the feed and the store (the Redis connections). */
  stopBus(): Promise<void>;
  /** Lets the pool's tasks in flight finish, then ends its threads. */
  closePool(): Promise<void>;
  /** On SIGTERM, how long readiness says 503 before streams end (DRAIN_DELAY_S). */
  drainDelayMs: number;
  /** How long the last flushes may take before connections are cut (default 2 s). */
  forceCloseAfterMs?: number;
}

/** The running gateway's state and its two ways to end. */
export interface Lifecycle {
  readonly isDraining: boolean;
  /** Aborted when draining begins (long-poll reads waiting answer at once). */
  readonly drainSignal: AbortSignal;
  /** Turns readiness to 503 and refuses new streams; open streams keep flowing. */
  beginDrain(): void;
  /** Ends the open streams at once, then closes the server, the bus and the pool. */
  stop(): Promise<void>;
  /** The SIGTERM sequence: 503, the delay, the spread drain, then `stop()`. */
  drain(): Promise<DrainReport>;
}

/** Creates the lifecycle over `parts`. */
export function createLifecycle(parts: LifecycleParts): Lifecycle {
  const draining = new AbortController();
  let stopping: Promise<void> | null = null;
  let drained: Promise<DrainReport> | null = null;
  const beginDrain = () => draining.abort();
  const stop = () => {
    stopping ??= (async () => {
      beginDrain();
      // Stop new connections, end open streams (clients reconnect elsewhere), then the
      // inputs — the bus last among them, so everything stored until the last stream
      // ended reached it — then the pool, which lets its tasks in flight finish.
      const closed = parts.closeServer();
      parts.endStreams();
      await parts.stopBus();
      await parts.closePool();
      const force = setTimeout(() => parts.closeAllConnections(), parts.forceCloseAfterMs ?? 2000);
      await closed;
      clearTimeout(force);
    })();
    return stopping;
  };
  const drain = () => {
    drained ??= (async () => {
      beginDrain();
      // The load balancer needs a moment to see the 503 and stop sending new streams here.
      await new Promise((resolve) => setTimeout(resolve, parts.drainDelayMs));
      const report = await parts.drainStreams();
      await stop();
      return report;
    })();
    return drained;
  };
  return {
    get isDraining() {
      return draining.signal.aborted;
    },
    drainSignal: draining.signal,
    beginDrain,
    stop,
    drain,
  };
}
