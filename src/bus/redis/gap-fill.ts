/**
 * Runs gap fills after (re)subscriptions: if the history is still ours, read everything
 * stored after the position so the pipeline sees one gap-free sequence; if it is not (a new
 * epoch, or the position was trimmed away), every client must resync. One fill at a time:
 * a reconnect during a fill asks for another pass, and held live events are released only
 * after the last pass succeeded. The Redis reads come in as `steps`, so this runs (and is
 * tested) without Redis.
 */
import { pause, withTimeout } from '../../async/deadline.js';
import type { Logger } from '../../observability/logger.js';
import type { Epoch, ReadAfterResult, StoredEvent } from '../feed.js';
import type { StoredSequence } from '../stored-sequence.js';

/** The reads a gap fill makes. */
export interface GapFillSteps {
  /** Reads (or creates) the epoch; `isReplaced` when it differs from the one known. */
  checkEpoch(): Promise<{ epoch: Epoch; isReplaced: boolean }>;
  /** A page of what was stored after `cursor`. */
  readAfter(cursor: string): Promise<ReadAfterResult>;
  /** The id of the newest stored event ('0-0' for an empty history). */
  newestId(): Promise<string>;
}

/** Gap-fill wiring. */
export interface GapFillOptions {
  sequence: StoredSequence<StoredEvent>;
  steps: GapFillSteps;
  /** Hands on stored events (never empty). */
  deliver(batch: StoredEvent[]): void;
  /** The history broke; the sequence continues after `headId`. */
  onHistoryBreak(epoch: Epoch, headId: string): void;
  isStopped(): boolean;
  logger: Logger;
  /** Longest one step may take before the pass is retried (default 10 s). */
  stepTimeoutMs?: number;
  /** Pause between failed passes (default 0.5 s). */
  retryMs?: number;
}

/** Creates the runner; `request()` holds live events and starts (or re-asks) a fill. */
export function createGapFiller(options: GapFillOptions): { request(): void } {
  const { sequence, steps, logger } = options;
  const stepTimeoutMs = options.stepTimeoutMs ?? 10_000;
  const retryMs = options.retryMs ?? 500;
  const deliver = (batch: StoredEvent[]) => {
    if (batch.length > 0) options.deliver(batch);
  };
  const restartAtHead = async (epoch: Epoch) => {
    // Continue from the history's head: the resync snapshots cover what is before it.
    const headId = await withTimeout(steps.newestId(), stepTimeoutMs);
    sequence.startAt(headId);
    options.onHistoryBreak(epoch, headId);
  };

  // One pass; false when Redis failed under it (retried; nothing is released meanwhile).
  const fillOnce = async (): Promise<boolean> => {
    try {
      const { epoch, isReplaced } = await withTimeout(steps.checkEpoch(), stepTimeoutMs);
      if (isReplaced) {
        logger.warn({ epoch: epoch.id }, 'redis history was replaced (data lost): clients resync');
        await restartAtHead(epoch);
        return true;
      }
      // Page by page until the stream's end: each page moves the position on.
      for (;;) {
        const missed = await withTimeout(steps.readAfter(sequence.position), stepTimeoutMs);
        if (!missed.ok) {
          if (missed.reason === 'unavailable') return false;
          logger.warn(
            { reason: missed.reason },
            'missed events were trimmed before the gap fill: clients resync',
          );
          break;
        }
        deliver(sequence.filled(missed.events));
        if (missed.isComplete) return true;
      }
      await restartAtHead(epoch);
      return true;
    } catch (error) {
      logger.warn({ err: error }, 'gap fill failed; retrying (live events are held meanwhile)');
      return false;
    }
  };

  let isRunning = false;
  let requests = 0;
  const run = async () => {
    isRunning = true;
    try {
      for (;;) {
        if (options.isStopped()) return;
        const request = requests;
        if (!(await fillOnce())) {
          await pause(retryMs);
          continue;
        }
        if (request === requests) break;
      }
      deliver(sequence.release());
    } finally {
      isRunning = false;
    }
  };

  return {
    request() {
      sequence.hold();
      requests += 1;
      if (!isRunning) void run();
    },
  };
}
