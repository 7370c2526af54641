/**
 * The one place that knows every layer: it connects one event's path, bus → pipeline →
 * stream, and nothing else does. Read top to bottom it is the path of ARCHITECTURE.md:
 *
 *   plain PUBLISH  → pipeline.check → bus.claim (stored once, across replicas) ─┐
 *   POST / RedisEventService → bus.store ───────────────────────────────────────┤
 *   announcement (every replica) → pipeline.enrich → frames → cache + hub ← ────┘
 *
 * Rejections are counted and logged here (and dead-lettered through the bus), never thrown.
 */
import { performance } from 'node:perf_hooks';
import type { Bus, BusHandlers, ClaimItem, PlainMessage, StoredMessage } from './bus/bus.js';
import { createOccurrenceCounter } from './bus/occurrence-counter.js';
import type { Config } from './config.js';
import type { ItemResult } from './domain/batch.js';
import { createLogLimiter } from './observability/log-limiter.js';
import type { Logger } from './observability/logger.js';
import type { Metrics } from './observability/metrics.js';
import type { RecordRejection } from './observability/rejections.js';
import { createPipeline, type Pipeline } from './pipeline/pipeline.js';
import type { WorkerPool } from './pipeline/worker-pool.js';
import { frameBatch } from './stream/event-frames.js';
import type { FrameCache } from './stream/frame-cache.js';
import type { Hub } from './stream/hub.js';

/** A plain message with the claim key it was given on arrival. */
type KeyedPlain = PlainMessage & { claimKey: string };

/** What the flow connects; all created by the composition root. */
export interface FlowDeps {
  config: Pick<Config, 'poolBatchMax' | 'maxEventBytes' | 'plantTimeZone' | 'claimWindowMs'>;
  bus: Bus;
  pool: WorkerPool;
  hub: Hub;
  cache: FrameCache;
  metrics: Metrics;
  logger: Logger;
  recordRejection: RecordRejection;
  /** Every client must resync (the history was replaced or this gateway lost its place). */
  onHistoryBreak: () => void;
}

/** The connected flow. */
export interface Flow {
  /** The transform, for catch-up reads (replay enriches through the same pool and rules). */
  pipeline: Pipeline<StoredMessage, KeyedPlain>;
  /** Warms the pool and subscribes; resolves when events can flow. */
  start(): Promise<void>;
}

/** Connects bus, pipeline and stream. */
export function createFlow(deps: FlowDeps): Flow {
  const { bus, hub, cache, metrics, logger, config, recordRejection } = deps;
  // Twice the claim-key lifetime: every claim key for a content hash has expired in Redis
  // before this process starts counting that content from 1 again (a claim may trail its
  // receipt by up to one window when the pool is backlogged).
  const occurrences = createOccurrenceCounter(config.claimWindowMs * 2);
  const claimLog = createLogLimiter();

  // Stored events, enriched in storage order: framed once, cached, written to every client.
  const broadcast = (batch: StoredMessage[], results: ItemResult[]) => {
    const frames = frameBatch(
      batch.map((m) => m.id),
      results,
    );
    const deadLetters: ClaimItem[] = frames.rejected.map(({ index, reason, detail }) => {
      recordRejection(reason, detail, 'stored');
      const message = batch[index] as StoredMessage;
      // Keyed by id, so one replica's copy lands in the dead-letter store.
      return {
        payload: message.payload,
        claimKey: `stored:${message.id}`,
        rejected: { reason, detail, source: 'stored' },
      };
    });
    if (frames.lastId !== null) {
      cache.push(frames.entries);
      hub.broadcast(frames.text, frames.entries, frames.lastId);
      metrics.eventsAccepted.inc(frames.entries.length);
      const now = performance.now();
      for (const message of batch) {
        metrics.deliveryLatencySeconds.observe((now - message.receivedAtPerfMs) / 1000);
      }
    }
    if (deadLetters.length > 0) void bus.claim(deadLetters).catch(() => undefined);
  };

  // Plain messages, checked in arrival order: claimed (stored once across replicas) or
  // dead-lettered once. Issued in order on one connection, so every replica's stream order
  // is the channel order.
  const claim = (batch: KeyedPlain[], results: ItemResult[]) => {
    const items = results.map((result, i): ClaimItem => {
      const { payload, claimKey } = batch[i] as KeyedPlain;
      if (result.ok) return { payload, claimKey, store: { tag: result.tag, patch: result.patch } };
      recordRejection(result.reason, result.detail, 'redis');
      return { payload, claimKey, rejected: { reason: result.reason, detail: result.detail } };
    });
    if (items.length === 0) return;
    void bus.claim(items).then(
      (report) => {
        // Already dead-lettered by the bus (once across replicas); counted and logged here.
        for (let n = 0; n < report.refused.length; n += 1) {
          recordRejection('invalid_value', 'the event state could not be decoded', 'redis');
        }
        if (report.failed === 0) return;
        metrics.claimsLost.inc(report.failed);
        const suppressed = claimLog.admit(Date.now());
        if (suppressed === null) return;
        logger.warn(
          { count: report.failed, suppressed },
          'plain messages could not be claimed: redis failed (another replica may have stored them)',
        );
      },
      () => undefined,
    );
  };

  const pipeline = createPipeline<StoredMessage, KeyedPlain>({
    pool: deps.pool,
    batchMax: config.poolBatchMax,
    maxEventBytes: config.maxEventBytes,
    timeZone: config.plantTimeZone,
    onEnriched: broadcast,
    onChecked: claim,
    // A claim may trail its receipt by up to one window when the pool is backlogged.
    templateMaxAgeMs: config.claimWindowMs * 2,
    onEnrichedWhere: (where, count) => {
      if (count > 0) metrics.enrichments.inc({ where }, count);
    },
  });

  const handlers: BusHandlers = {
    onStored(messages) {
      metrics.eventsReceived.inc({ source: 'stored' }, messages.length);
      pipeline.enrich(messages);
    },
    onPlain(messages) {
      metrics.eventsReceived.inc({ source: 'redis' }, messages.length);
      // Keys are taken here, in arrival order, before any asynchronous step.
      const nowMs = Date.now();
      pipeline.check(messages.map((m) => ({ ...m, claimKey: occurrences.keyFor(m.bytes, nowMs) })));
    },
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
    pipeline,
    async start() {
      await pipeline.warm();
      await bus.start(handlers);
    },
  };
}
