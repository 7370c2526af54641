/**
 * Where the parts report to the metrics and the log: one hooks object per part, so the
 * composition root only hands them on.
 */

import { createLogLimiter } from './log-limiter.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';

/** The hooks of every part. */
export function instrument(metrics: Metrics, logger: Logger) {
  const rowLog = createLogLimiter();
  const authLog = createLogLimiter();
  return {
    hub: {
      onDelivered: ({ deliveries, bytes }: { deliveries: number; bytes: number }) => {
        metrics.deliveries.inc(deliveries);
        metrics.deliveredBytes.inc(bytes);
      },
      onCut: (reason: string) => {
        if (reason !== 'shutdown') metrics.clientsCut.inc({ reason });
      },
      onOpenChange: (open: number) => metrics.openStreams.set(open),
      onPendingChange: (bytes: number) => metrics.fanOutPendingBytes.set(bytes),
      onExpired: () => metrics.streamsExpired.inc(),
      onClosed: (openMs: number) => metrics.streamSeconds.observe(openMs / 1000),
    },
    auth: {
      // Counted always, logged at a bounded rate; never the token, only why.
      onRefused: (route: string, reason: string, detail: string) => {
        metrics.authRefused.inc({ route, reason });
        const suppressed = authLog.admit(Date.now());
        if (suppressed !== null)
          logger.info({ route, reason, detail, suppressed }, 'request refused by auth');
      },
    },
    limits: {
      onLimit: (limit: string) => metrics.limitsRefused.inc({ limit }),
    },
    pool: {
      onTaskDone: (seconds: number) => metrics.poolTaskSeconds.observe(seconds),
      onTaskFailed: (kind: 'crash' | 'timeout') => {
        metrics.poolTaskFailures.inc({ kind });
        logger.warn({ kind }, 'worker pool task failed; retrying its batch in halves');
      },
      onQueueChange: (depth: number) => metrics.poolQueueDepth.set(depth),
    },
    redis: {
      onReconnect: () => metrics.busReconnects.inc(),
      onSubscriberDrop: (cause: string) => metrics.subscriberDrops.inc({ cause }),
      onSubscriberBuffer: (bytes: number) => metrics.subscriberBufferBytes.set(bytes),
      onUnreadableRow: (tag: string) => {
        const suppressed = rowLog.admit(Date.now());
        if (suppressed !== null) {
          logger.warn(
            { tag, suppressed },
            'a spool state row cannot be read: left out of snapshots',
          );
        }
      },
    },
    catchUp: {
      onStart: (mode: string, replayed: number) => {
        metrics.streamStarts.inc({ mode });
        metrics.replayedEvents.inc(replayed);
      },
    },
  };
}
