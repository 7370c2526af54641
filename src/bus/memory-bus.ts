/**
 * The embedded bus: one process, no Redis. Ids, history, epoch (new at every start), spool
 * state and idempotency keys live in memory. The same feed and store behaviour as the Redis
 * bus, so the read side, the write side and the tests are shared; it has no producers'
 * channel (nothing can PUBLISH to it).
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { createIdMaker, idTimeMs } from '../domain/event-id.js';
import { IDEMPOTENCY_TTL_MS } from '../domain/publish-request.js';
import {
  applyStatePatch,
  type SpoolState,
  type StatePatch,
  sortRows,
  UNDECODABLE_STATE_DETAIL,
} from '../domain/spool-state.js';
import type { Epoch, EventFeed, FeedHandlers, StoredEvent } from './feed.js';
import { MemoryHistory } from './memory-history.js';
import type { EventStore, StoreResult } from './store.js';

/** Memory bus sizes. */
export interface MemoryBusOptions {
  historySize: number;
  now?: () => number;
}

/** The embedded bus's seams. */
export interface MemoryBus {
  feed: EventFeed;
  store: EventStore;
  plain: null;
}

/** Creates the in-process bus. */
export function createMemoryBus(options: MemoryBusOptions): MemoryBus {
  const now = options.now ?? Date.now;
  const makeId = createIdMaker();
  const epoch: Epoch = { id: randomUUID(), isIncomplete: false };
  const history = new MemoryHistory(options.historySize);
  const state = new Map<string, SpoolState>();
  const idempotency = new Map<string, { id: string; expiresAtMs: number }>();
  let handlers: FeedHandlers | null = null;
  let pending: StoredEvent[] = [];
  let isStopped = false;

  // Announce on the next turn of the event loop, so a burst of stores reaches the read side
  // as one batch (as a burst of Redis messages does).
  const flush = () => {
    const batch = pending;
    pending = [];
    if (handlers && batch.length > 0) handlers.onEvents(batch);
  };

  const forgetExpiredKeys = (nowMs: number) => {
    for (const [key, entry] of idempotency) {
      if (entry.expiresAtMs > nowMs) break;
      idempotency.delete(key);
    }
  };

  const feed: EventFeed = {
    kind: 'memory',
    async start(h) {
      handlers = h;
      h.onStatus('ok');
      return history.newestId;
    },
    readAfter: async (cursor, limit) => history.readAfter(cursor, limit),
    async snapshot() {
      return {
        epoch: epoch.id,
        as_of: history.newestId,
        incomplete: false,
        spools: sortRows(state.values()),
      };
    },
    epoch: () => epoch,
    status: () => (isStopped ? 'down' : 'ok'),
    async stop() {
      isStopped = true;
      handlers = null;
    },
  };

  const store: EventStore = {
    async store(request): Promise<StoreResult> {
      if (isStopped) return { ok: false, kind: 'unavailable', reason: 'bus stopped' };
      const nowMs = now();
      forgetExpiredKeys(nowMs);
      // Decoded before anything is written, as the Redis script does: all or nothing.
      let patch: StatePatch | null = null;
      try {
        if (request.patch !== '') patch = JSON.parse(request.patch) as StatePatch;
      } catch {
        return { ok: false, kind: 'refused', reason: UNDECODABLE_STATE_DETAIL };
      }
      const prior = request.idempotencyKey ? idempotency.get(request.idempotencyKey) : undefined;
      if (prior) return { ok: true, id: prior.id, isReplay: true };
      const id = makeId(nowMs);
      const storedAtMs = idTimeMs(id) ?? nowMs;
      const event: StoredEvent = {
        id,
        storedAtMs,
        meta: request.meta,
        template: request.template,
        receivedAtPerfMs: performance.now(),
      };
      history.append(event);
      if (patch !== null) {
        state.set(request.tag, applyStatePatch(state.get(request.tag), patch, id, storedAtMs));
      }
      if (request.idempotencyKey) {
        idempotency.set(request.idempotencyKey, { id, expiresAtMs: nowMs + IDEMPOTENCY_TTL_MS });
      }
      if (pending.length === 0) setImmediate(flush);
      pending.push(event);
      return { ok: true, id, isReplay: false };
    },
    // Nothing reaches the embedded bus but prepared events (no producers' channel).
    readDeadLetters: async () => [],
  };

  return { feed, store, plain: null };
}
