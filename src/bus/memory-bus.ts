/**
 * The embedded bus: one process, no Redis. Ids, history and dead letters live in memory and
 * start fresh with each process. Same contract as the Redis bus, so the pipeline, tests and
 * later replay work are shared.
 */
import { performance } from 'node:perf_hooks';
import type { Bus, BusHandlers, ClaimItem, DeadLetter, StoredMessage, StoreResult } from './bus.js';
import { createIdMaker, idTimeMs } from './event-id.js';

/** Memory bus sizes. */
export interface MemoryBusOptions {
  historySize: number;
  deadLetterSize: number;
  now?: () => number;
}

/** Creates the in-process bus. */
export function createMemoryBus(options: MemoryBusOptions): Bus & { history(): StoredMessage[] } {
  const now = options.now ?? Date.now;
  const makeId = createIdMaker();
  const history: StoredMessage[] = [];
  const deadLetters: DeadLetter[] = [];
  let handlers: BusHandlers | null = null;
  let pending: StoredMessage[] = [];
  let isStopped = false;

  // Announce on the next turn of the event loop, so a burst of stores reaches the pipeline
  // as one batch (as a burst of Redis messages does).
  const flush = () => {
    const batch = pending;
    pending = [];
    if (handlers && batch.length > 0) handlers.onStored(batch);
  };

  const trim = <T>(list: T[], cap: number) => {
    // Trim in chunks so each store stays O(1) amortised.
    if (list.length > cap * 2 || (list.length > cap && cap < 64)) list.splice(0, list.length - cap);
  };

  return {
    kind: 'memory',
    async start(h) {
      handlers = h;
      h.onStatus('ok');
    },
    async store(payload): Promise<StoreResult> {
      if (isStopped) return { ok: false, reason: 'bus stopped' };
      const id = makeId(now());
      const message: StoredMessage = {
        id,
        storedAtMs: idTimeMs(id) ?? now(),
        payload,
        receivedAtPerfMs: performance.now(),
      };
      history.push(message);
      trim(history, options.historySize);
      if (pending.length === 0) setImmediate(flush);
      pending.push(message);
      return { ok: true, id };
    },
    async claim(items: ClaimItem[]) {
      // Nothing publishes plain messages to the embedded bus; store what is asked anyway.
      for (const item of items) {
        if (item.rejected) {
          await this.deadLetter({
            ...item.rejected,
            payload: item.payload,
            source: 'redis',
            atMs: now(),
          });
        } else await this.store(item.payload);
      }
    },
    async deadLetter(entry) {
      deadLetters.push(entry);
      trim(deadLetters, options.deadLetterSize);
    },
    async readDeadLetters(count) {
      return deadLetters.slice(-Math.min(count, options.deadLetterSize));
    },
    status: () => (isStopped ? 'down' : 'ok'),
    async stop() {
      isStopped = true;
      handlers = null;
    },
    history: () => history.slice(-options.historySize),
  };
}
