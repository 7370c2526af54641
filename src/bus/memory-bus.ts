/**
 * The embedded bus: one process, no Redis. Ids, history, epoch (new at every start), spool
 * state, idempotency keys and dead letters live in memory. Same contract as the Redis bus,
 * so the pipeline, the replay logic and the tests are shared.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { compareIds, createIdMaker, idTimeMs, parseEventId } from '../domain/event-id.js';
import { IDEMPOTENCY_TTL_MS } from '../domain/publish-request.js';
import { applyStatePatch, type SpoolState, type StatePatch } from '../domain/spool-state.js';
import type {
  Bus,
  BusHandlers,
  ClaimItem,
  DeadLetter,
  Epoch,
  ReadAfterResult,
  StoredMessage,
  StoreResult,
} from './bus.js';

/** Memory bus sizes. */
export interface MemoryBusOptions {
  historySize: number;
  deadLetterSize: number;
  now?: () => number;
}

/** Creates the in-process bus. */
export function createMemoryBus(options: MemoryBusOptions): Bus {
  const now = options.now ?? Date.now;
  const makeId = createIdMaker();
  const epoch: Epoch = { id: randomUUID(), isIncomplete: false };
  const history: StoredMessage[] = [];
  const state = new Map<string, SpoolState>();
  const idempotency = new Map<string, { id: string; expiresAtMs: number }>();
  const deadLetters: DeadLetter[] = [];
  let trimmedId = '0-0';
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

  // Trims in chunks so each store stays O(1) amortised; remembers the newest id dropped.
  const trimHistory = () => {
    if (history.length <= options.historySize * 2 && history.length <= options.historySize + 1000)
      return;
    const dropped = history.splice(0, history.length - options.historySize);
    trimmedId = (dropped.at(-1) as StoredMessage).id;
  };

  const forgetExpiredKeys = (nowMs: number) => {
    for (const [key, entry] of idempotency) {
      if (entry.expiresAtMs > nowMs) break;
      idempotency.delete(key);
    }
  };

  const bus: Bus = {
    kind: 'memory',
    async start(h) {
      handlers = h;
      h.onStatus('ok');
    },
    async store(request): Promise<StoreResult> {
      if (isStopped) return { ok: false, kind: 'unavailable', reason: 'bus stopped' };
      const nowMs = now();
      forgetExpiredKeys(nowMs);
      // Decoded before anything is written, as the Redis script does: all or nothing.
      let patch: StatePatch | null = null;
      try {
        if (request.patch !== '') patch = JSON.parse(request.patch) as StatePatch;
      } catch {
        return { ok: false, kind: 'refused', reason: 'the state patch is not valid JSON' };
      }
      const prior = request.idempotencyKey ? idempotency.get(request.idempotencyKey) : undefined;
      if (prior) return { ok: true, id: prior.id, isReplay: true };
      const id = makeId(nowMs);
      const storedAtMs = idTimeMs(id) ?? nowMs;
      const message: StoredMessage = {
        id,
        storedAtMs,
        payload: request.payload,
        receivedAtPerfMs: performance.now(),
      };
      history.push(message);
      trimHistory();
      if (patch !== null) {
        state.set(request.tag, applyStatePatch(state.get(request.tag), patch, id, storedAtMs));
      }
      if (request.idempotencyKey) {
        idempotency.set(request.idempotencyKey, { id, expiresAtMs: nowMs + IDEMPOTENCY_TTL_MS });
      }
      if (pending.length === 0) setImmediate(flush);
      pending.push(message);
      return { ok: true, id, isReplay: false };
    },
    async claim(items: ClaimItem[]) {
      // Nothing publishes plain messages to the embedded bus; store what is asked anyway.
      const refused: number[] = [];
      for (const [index, item] of items.entries()) {
        if (item.store) {
          const stored = await bus.store({ payload: item.payload, ...item.store });
          if (!stored.ok && stored.kind === 'refused') refused.push(index);
        } else if (item.rejected) {
          await bus.deadLetter({
            ...item.rejected,
            payload: item.payload,
            source: 'redis',
            atMs: now(),
          });
        }
      }
      return { failed: 0, refused };
    },
    async readAfter(cursor): Promise<ReadAfterResult> {
      if (!parseEventId(cursor)) return { ok: false, reason: 'unknown_cursor' };
      const last = history.at(-1)?.id ?? trimmedId;
      if (compareIds(cursor, last) > 0) return { ok: false, reason: 'unknown_cursor' };
      if (compareIds(cursor, trimmedId) < 0) return { ok: false, reason: 'cursor_too_old' };
      // Ids are sorted: binary search for the cursor's position.
      let low = 0;
      let high = history.length;
      while (low < high) {
        const mid = (low + high) >> 1;
        if (compareIds((history[mid] as StoredMessage).id, cursor) <= 0) low = mid + 1;
        else high = mid;
      }
      const isHeld = low > 0 && (history[low - 1] as StoredMessage).id === cursor;
      if (!isHeld && compareIds(cursor, trimmedId) !== 0)
        return { ok: false, reason: 'unknown_cursor' };
      return { ok: true, events: history.slice(low) };
    },
    async snapshot() {
      const spools = [...state.values()].sort((a, b) => a.tag_spool.localeCompare(b.tag_spool));
      return { epoch: epoch.id, as_of: history.at(-1)?.id ?? trimmedId, incomplete: false, spools };
    },
    epoch: () => epoch,
    async deadLetter(entry) {
      deadLetters.push(entry);
      if (deadLetters.length > options.deadLetterSize) {
        deadLetters.splice(0, deadLetters.length - options.deadLetterSize);
      }
    },
    async readDeadLetters(count) {
      return deadLetters.slice(-count);
    },
    status: () => (isStopped ? 'down' : 'ok'),
    async stop() {
      isStopped = true;
      handlers = null;
    },
  };
  return bus;
}
