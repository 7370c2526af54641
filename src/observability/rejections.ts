/**
 * One place that counts and logs rejected messages, for every path (plain PUBLISH, stored
 * events, HTTP): counted by reason and source, logged at a bounded rate (contract §1.2).
 */
import type { RejectReason } from '../domain/spool-event.js';
import { createLogLimiter } from './log-limiter.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';

/** Where a rejected message came from. */
export type RejectionSource = 'redis' | 'http' | 'stored';

/** Counts and logs one rejection. */
export type RecordRejection = (
  reason: RejectReason,
  detail: string,
  source: RejectionSource,
) => void;

/** Creates the recorder. */
export function createRejectionRecorder(metrics: Metrics, logger: Logger): RecordRejection {
  const limiter = createLogLimiter();
  return (reason, detail, source) => {
    metrics.eventsRejected.inc({ reason, source });
    const suppressed = limiter.admit(Date.now());
    if (suppressed !== null) logger.warn({ reason, detail, source, suppressed }, 'event rejected');
  };
}
