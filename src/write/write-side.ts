/**
 * The write side, one way in for every producer: a plain PUBLISH heard by this replica is
 * keyed, prepared in the pool and claimed (stored once across replicas, or dead-lettered
 * once); a POST is prepared in process and stored (publish.ts). Either way the event is
 * validated and enriched once, here, and the read side only ever sees what the store
 * announces. Rejections are counted and logged, never thrown.
 */
import type { ClaimItem, EventStore, PlainChannel, PlainMessage } from '../bus/store.js';
import { UNDECODABLE_STATE_DETAIL } from '../domain/spool-state.js';
import { createLogLimiter } from '../observability/log-limiter.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { RecordRejection } from '../observability/rejections.js';
import { createPipeline } from '../pipeline/pipeline.js';
import type { WorkerPool } from '../pipeline/worker-pool.js';
import { createClaimKeys } from './claim-key.js';
import { createPublish, type Publish } from './publish.js';

/** The settings the write side reads (the config's names). */
export interface WriteSettings {
  poolBatchMax: number;
  maxEventBytes: number;
  plantTimeZone: string;
  claimWindowMs: number;
}

/** What the write side connects. */
export interface WriteSideDeps {
  settings: WriteSettings;
  store: EventStore;
  /** The producers' channel (Redis only; the embedded bus has none). */
  plain: PlainChannel | null;
  pool: WorkerPool;
  metrics: Metrics;
  logger: Logger;
  recordRejection: RecordRejection;
}

/** A plain message with the claim key it was given on arrival. */
type KeyedPlain = PlainMessage & { claimKey: string };

/** Connects the producers' channel to the pool and the store; returns the POST step. */
export function createWriteSide(deps: WriteSideDeps): { publish: Publish } {
  const { settings, metrics, logger, recordRejection } = deps;
  // Twice the claim-key lifetime: every claim key for a content hash has expired in Redis
  // before this process starts counting that content from 1 again (a claim may trail its
  // receipt by up to one window when the pool is backlogged).
  const claimKeys = createClaimKeys(settings.claimWindowMs * 2);
  const claimLog = createLogLimiter();

  // Claims are issued in arrival order on one connection, so every replica's stream order
  // is the channel order.
  const claim = (items: ClaimItem[]) => {
    void deps.plain?.claim(items).then((report) => {
      // Already dead-lettered by the store (once across replicas); counted and logged here.
      for (let n = 0; n < report.refused; n += 1) {
        recordRejection('invalid_value', UNDECODABLE_STATE_DETAIL, 'redis');
      }
      if (report.failed === 0) return;
      metrics.claimsLost.inc(report.failed);
      const suppressed = claimLog.admit(Date.now());
      if (suppressed === null) return;
      logger.warn(
        { count: report.failed, suppressed },
        'plain messages could not be claimed: redis failed (another replica may have stored them)',
      );
    });
  };

  const pipeline = createPipeline<KeyedPlain>({
    pool: deps.pool,
    batchMax: settings.poolBatchMax,
    maxEventBytes: settings.maxEventBytes,
    timeZone: settings.plantTimeZone,
    onPrepared(batch, results) {
      const items = results.map((result, i): ClaimItem => {
        const { payload, claimKey, refused } = batch[i] as KeyedPlain;
        // Edge refusals never reached the pool: only what the pool checked is a validation.
        if (!refused) metrics.validations.inc({ source: 'redis' });
        if (result.ok) return { payload, claimKey, prepared: result.prepared };
        recordRejection(result.reason, result.detail, 'redis');
        return { payload, claimKey, rejected: { reason: result.reason, detail: result.detail } };
      });
      claim(items);
    },
  });

  deps.plain?.listen((messages) => {
    metrics.eventsReceived.inc({ source: 'redis' }, messages.length);
    // Keys are taken here, in arrival order, before any asynchronous step.
    const nowMs = Date.now();
    pipeline.prepare(messages.map((m) => ({ ...m, claimKey: claimKeys.keyFor(m.bytes, nowMs) })));
  });

  const publish = createPublish({
    store: deps.store,
    maxEventBytes: settings.maxEventBytes,
    timeZone: settings.plantTimeZone,
    onValidated: () => metrics.validations.inc({ source: 'http' }),
    onRejected: (reason, detail) => recordRejection(reason, detail, 'http'),
    onStoreFailed: () => metrics.storeFailures.inc(),
  });
  return { publish };
}
