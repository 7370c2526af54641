/**
 * The read side, one direction: the feed's stored events are framed once
 * (stream/frame-events.ts), appended to the event log and fanned out by the hub; a history
 * break resets the log and resyncs every stream. Nothing here validates or enriches: the
 * write side did, once, before the event was stored.
 */
import { performance } from 'node:perf_hooks';
import type { EventFeed, FeedHandlers } from '../bus/feed.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { RecordRejection } from '../observability/rejections.js';
import { frameEvents } from '../stream/frame-events.js';
import { Hub, type HubOptions } from '../stream/hub.js';
import { type CatchUp, type CatchUpDeps, createCatchUp } from './catch-up.js';
import { EventLog } from './event-log.js';

/** The settings the read side reads (the config's names) and the hooks its parts report to. */
export interface ReadSideOptions {
  settings: Omit<HubOptions, 'busHealth'> & { historySize: number };
  hubHooks: Partial<HubOptions>;
  catchUpHooks: Pick<CatchUpDeps, 'onStart'>;
  metrics: Metrics;
  logger: Logger;
  recordRejection: RecordRejection;
}

/** A read side's parts over one feed, and how to start it. */
export interface ReadSide {
  log: EventLog;
  hub: Hub;
  catchUp: CatchUp;
  /** The current history's epoch id (null before the feed has one). */
  epochId(): string | null;
  /** Starts the feed into the log and the hub; resolves once events can flow. */
  start(): Promise<void>;
}

/** Builds the event log, the hub and the catch-up over `feed`. */
export function createReadSide(feed: EventFeed, options: ReadSideOptions): ReadSide {
  const { settings } = options;
  const hub = new Hub({ ...settings, busHealth: () => feed.status(), ...options.hubHooks });
  const log = new EventLog({ capacity: settings.historySize, feed });
  const epochId = () => feed.epoch()?.id ?? null;
  const catchUp = createCatchUp({ log, hub, ...options.catchUpHooks });
  const start = () => startReadSide(feed, { ...options, log, hub, catchUp });
  return { log, hub, catchUp, epochId, start };
}

/** What the read side connects. */
export interface ReadSideDeps {
  log: EventLog;
  hub: Hub;
  catchUp: CatchUp;
  metrics: Metrics;
  logger: Logger;
  recordRejection: RecordRejection;
}

/** Starts the feed into the log and the hub; resolves once events can flow. */
async function startReadSide(feed: EventFeed, deps: ReadSideDeps): Promise<void> {
  const { log, hub, metrics } = deps;
  const handlers: FeedHandlers = {
    onEvents(batch) {
      metrics.eventsReceived.inc({ source: 'stored' }, batch.length);
      const { framed, malformed } = frameEvents(batch);
      for (const { detail } of malformed) deps.recordRejection('invalid_value', detail, 'stored');
      if (framed.length === 0) return;
      hub.broadcast(log.append(framed));
      metrics.eventsAccepted.inc(framed.length);
      const now = performance.now();
      for (const event of batch) {
        metrics.deliveryLatencySeconds.observe((now - event.receivedAtPerfMs) / 1000);
      }
    },
    onStatus(status) {
      metrics.busUp.set(status === 'ok' ? 1 : 0);
      // Tell every screen at once rather than at the next heartbeat.
      hub.heartbeat();
    },
    onHistoryBreak(epoch, headId) {
      metrics.historyBreaks.inc();
      deps.logger.warn({ epoch: epoch.id, headId }, 'history break: every stream resyncs');
      log.reset(headId);
      deps.catchUp.resyncAll();
    },
  };
  log.reset(await feed.start(handlers));
}
