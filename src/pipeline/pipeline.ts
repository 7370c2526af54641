/**
 * The data flow: bus → worker pool → hub. Stored events are enriched in batches and
 * broadcast in storage order; plain producer messages are validated, then claimed (stored
 * once across replicas) in arrival order. Rejections are counted, logged at a bounded rate
 * and dead-lettered; nothing here throws for bad data.
 */
import { performance } from 'node:perf_hooks';
import type { Bus, BusHandlers, ClaimItem, PlainMessage, StoredMessage } from '../bus/bus.js';
import { createOccurrenceCounter } from '../bus/occurrence-counter.js';
import type { Config } from '../config.js';
import type { BatchItem, ItemResult } from '../domain/batch.js';
import type { RejectReason } from '../domain/spool-event.js';
import { createLogLimiter } from '../observability/log-limiter.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { CachedFrame, FrameCache } from '../stream/frame-cache.js';
import type { Hub } from '../stream/hub.js';
import { formatSpoolUpdate } from '../stream/sse-frame.js';
import { createSequencer } from './sequencer.js';
import type { WorkerPool } from './worker-pool.js';

/** What the pipeline needs; all created by the caller. */
export interface PipelineDeps {
  config: Pick<Config, 'poolBatchMax' | 'maxEventBytes' | 'plantTimeZone' | 'claimWindowMs'>;
  bus: Bus;
  pool: WorkerPool;
  hub: Hub;
  /** Holds the newest frames for fast resume; filled in broadcast order. */
  cache: FrameCache;
  metrics: Metrics;
  logger: Logger;
  /** The history was replaced or this gateway lost its place: every client must resync. */
  onHistoryBreak: () => void;
}

/** The running pipeline. */
export interface Pipeline {
  /** Warms the pool and subscribes; resolves when events can flow. */
  start(): Promise<void>;
  /** Counts and logs a rejection (shared with the HTTP publisher path). */
  recordRejection(reason: RejectReason, detail: string, source: 'redis' | 'http' | 'stored'): void;
}

interface Enriched {
  batch: StoredMessage[];
  results: ItemResult[];
}

function chunk<T>(items: T[], size: number): T[][] {
  if (items.length <= size) return [items];
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Wires bus, pool and hub together. */
export function createPipeline(deps: PipelineDeps): Pipeline {
  const { bus, pool, hub, cache, metrics, logger, config } = deps;
  const rejectLog = createLogLimiter();
  // Twice the claim-key lifetime: every claim key for a content hash has expired in Redis
  // before this process starts counting that content from 1 again (a claim may trail its
  // receipt by up to one window when the pool is backlogged).
  const occurrences = createOccurrenceCounter(config.claimWindowMs * 2);

  const recordRejection: Pipeline['recordRejection'] = (reason, detail, source) => {
    metrics.eventsRejected.inc({ reason, source });
    const suppressed = rejectLog.admit(Date.now());
    if (suppressed !== null) logger.warn({ reason, detail, source, suppressed }, 'event rejected');
  };

  const release = ({ batch, results }: Enriched) => {
    let frames = '';
    const entries: CachedFrame[] = [];
    let lastId: string | null = null;
    const deadLetters: ClaimItem[] = [];
    results.forEach((result, i) => {
      const message = batch[i] as StoredMessage;
      if (result.ok) {
        const frame = formatSpoolUpdate(message.id, result.data);
        frames += frame;
        entries.push({ id: message.id, frame });
        lastId = message.id;
        return;
      }
      recordRejection(result.reason, result.detail, 'stored');
      // Keyed by id, so one replica's copy lands in the dead-letter store.
      deadLetters.push({
        payload: message.payload,
        claimKey: `stored:${message.id}`,
        rejected: { reason: result.reason, detail: result.detail, source: 'stored' },
      });
    });
    if (lastId !== null) {
      cache.push(entries);
      hub.broadcast(frames, entries, lastId);
      metrics.eventsAccepted.inc(entries.length);
      const now = performance.now();
      for (const message of batch) {
        metrics.deliveryLatencySeconds.observe((now - message.receivedAtPerfMs) / 1000);
      }
    }
    if (deadLetters.length > 0) void bus.claim(deadLetters).catch(() => undefined);
  };
  const deliveries = createSequencer<Enriched>(release);
  const claimLog = createLogLimiter();
  const claims = createSequencer<ClaimItem[]>((items) => {
    if (items.length === 0) return;
    void bus.claim(items).then(
      (report) => {
        // Already dead-lettered by the bus (once across replicas); counted and logged here.
        for (let n = 0; n < report.refused.length; n += 1) {
          recordRejection('invalid_value', 'the event state could not be decoded', 'redis');
        }
        if (report.failed === 0) return;
        const suppressed = claimLog.admit(Date.now());
        if (suppressed !== null) {
          logger.warn(
            { count: report.failed, suppressed },
            'plain messages could not be claimed: redis failed (another replica may have stored them)',
          );
        }
      },
      () => undefined,
    );
  });

  const onStored = (messages: StoredMessage[]) => {
    metrics.eventsReceived.inc({ source: 'stored' }, messages.length);
    for (const batch of chunk(messages, config.poolBatchMax)) {
      const ticket = deliveries.reserve();
      const items: BatchItem[] = batch.map((m) => ({
        payload: m.payload,
        id: m.id,
        storedAtMs: m.storedAtMs,
      }));
      void pool
        .run({
          mode: 'enrich',
          maxEventBytes: config.maxEventBytes,
          timeZone: config.plantTimeZone,
          items,
        })
        .then((results) => deliveries.complete(ticket, { batch, results }));
    }
  };

  const onPlain = (messages: PlainMessage[]) => {
    metrics.eventsReceived.inc({ source: 'redis' }, messages.length);
    const nowMs = Date.now();
    for (const batch of chunk(messages, config.poolBatchMax)) {
      const ticket = claims.reserve();
      // Keys are taken here, in arrival order, before any asynchronous step.
      const keys = batch.map((m) => occurrences.keyFor(m.bytes, nowMs));
      // Refused at the edge (too large, not UTF-8): never sent to the pool.
      const items: BatchItem[] = batch.map((m) => ({ payload: m.refused ? '' : m.payload }));
      void pool
        .run({
          mode: 'check',
          maxEventBytes: config.maxEventBytes,
          timeZone: config.plantTimeZone,
          items,
        })
        .then((results) => {
          const claimItems = results.map((result, i): ClaimItem => {
            const message = batch[i] as PlainMessage;
            const { payload } = message;
            const claimKey = keys[i] as string;
            if (message.refused) {
              const { reason, detail } = message.refused;
              recordRejection(reason, detail, 'redis');
              return { payload, claimKey, rejected: { reason, detail } };
            }
            if (result.ok) {
              return { payload, claimKey, store: { tag: result.tag, patch: result.patch ?? '' } };
            }
            recordRejection(result.reason, result.detail, 'redis');
            return {
              payload,
              claimKey,
              rejected: { reason: result.reason, detail: result.detail },
            };
          });
          claims.complete(ticket, claimItems);
        });
    }
  };

  const handlers: BusHandlers = {
    onStored,
    onPlain,
    onStatus(status) {
      metrics.busUp.set(status === 'ok' ? 1 : 0);
      // Tell every screen at once rather than at the next heartbeat.
      hub.heartbeat();
    },
    onHistoryBreak() {
      metrics.historyBreaks.inc();
      deps.onHistoryBreak();
    },
  };

  return {
    async start() {
      await pool.warm();
      await bus.start(handlers);
    },
    recordRejection,
  };
}
