/**
 * Builds and runs one gateway from a config, reading like koa's `callback()`: the core
 * (metrics, bus), the read side (log, hub, catch-up), the write side (pool, producers'
 * channel, publish), the server and its lifecycle, the app, then listen and start.
 * main.ts calls it for the real process; tests call it for in-process gateways.
 */
import type { Server } from 'node:http';
import { createBus } from './bus/create-bus.js';
import type { EventFeed } from './bus/feed.js';
import type { EventStore } from './bus/store.js';
import type { Config } from './config.js';
import { accessOf } from './http/access.js';
import { createApp } from './http/app.js';
import { createMetricsServer } from './http/metrics-server.js';
import { createRequestErrorLog } from './http/request-errors.js';
import { createHttpServer, listen } from './http/server.js';
import { createLifecycle, type Lifecycle } from './lifecycle.js';
import { instrument } from './observability/instrument.js';
import type { Logger } from './observability/logger.js';
import { createMetrics, type Metrics } from './observability/metrics.js';
import { createRejectionRecorder } from './observability/rejections.js';
import { createWorkerPool, type WorkerPool } from './pipeline/worker-pool.js';
import type { EventLog } from './read/event-log.js';
import { createReadSide, type ReadSide } from './read/read-side.js';
import { StreamReader } from './read/stream-reader.js';
import { drainStreams } from './stream/drain.js';
import type { Hub } from './stream/hub.js';
import { createWriteSide } from './write/write-side.js';

/** A running gateway. */
export interface Service extends Omit<Lifecycle, 'isDraining' | 'drainSignal'> {
  /** Base URL, e.g. http://127.0.0.1:8000 */
  url: string;
  server: Server;
  feed: EventFeed;
  store: EventStore;
  log: EventLog;
  hub: Hub;
  pool: WorkerPool;
  metrics: Metrics;
  /** Resolves once events can flow (pool warm, feed subscribed); /readyz turns 200. */
  ready: Promise<void>;
}

/** Extra wiring, mostly for tests. */
export interface ServiceOptions {
  logger: Logger;
  /** Worker entry override (tests inject faults through a wrapping worker). */
  workerFile?: string;
  /** Collect process metrics (off in tests that start many gateways in one process). */
  defaultMetrics?: boolean;
}

/** Starts a gateway and listens; events start flowing in the background (`ready`). */
export async function startService(
  config: Readonly<Config>,
  options: ServiceOptions,
): Promise<Service> {
  const { logger } = options;
  const metrics = createMetrics(options.defaultMetrics ?? true);
  const hooks = instrument(metrics, logger);
  const recordRejection = createRejectionRecorder(metrics, logger);
  const { feed, store, plain } = createBus(config, logger, hooks.redis);

  const readSide = createReadSide(feed, {
    ...{ settings: config, hubHooks: hooks.hub, catchUpHooks: hooks.catchUp },
    ...{ metrics, logger, recordRejection },
  });
  const { log, hub } = readSide;

  const pool = createWorkerPool({ ...poolSettingsOf(config, options), ...hooks.pool });
  const writeSide = { settings: config, store, plain, pool, metrics, logger, recordRejection };
  const { publish } = createWriteSide(writeSide);

  const reportRequestError = createRequestErrorLog(logger);
  const server = createHttpServer(reportRequestError);
  const metricsServer = config.metricsPort ? createMetricsServer(metrics.registry) : null;
  const lifecycle = wireLifecycle(config, { server, metricsServer, hub, feed, pool });

  const pipeline = { isUp: false };
  const parts = { readSide, feed, pool, metrics, lifecycle, pipeline };
  const app = createApp({
    ...appDepsOf(config, parts),
    ...{ publish, recordRejection, reportRequestError, ...hooks.limits },
    ...accessOf(config, hooks.auth),
    isMetricsHere: metricsServer === null,
  });
  server.on('request', app.callback());
  const url = await listen(server, config.port, config.host);
  if (metricsServer) await listen(metricsServer, config.metricsPort, config.host);

  const ready = (async () => {
    await pool.warm();
    await readSide.start();
    pipeline.isUp = true;
    logger.info({ url, bus: feed.kind, threads: config.poolThreads }, 'spoolcast is ready');
  })();
  // A failed start is reported through `ready`; keep it from being an unhandled rejection.
  ready.catch((error) => logger.error({ err: error }, 'pipeline failed to start'));
  const { beginDrain, drain, stop } = lifecycle;
  return { url, server, feed, store, log, hub, pool, metrics, ready, beginDrain, drain, stop };
}

/** What the app reads from the read side, the parts' states and the settings. */
function appDepsOf(
  config: Readonly<Config>,
  parts: {
    readSide: ReadSide;
    feed: EventFeed;
    pool: WorkerPool;
    metrics: Metrics;
    lifecycle: Lifecycle;
    pipeline: { isUp: boolean };
  },
) {
  const { readSide, feed, pool, metrics, lifecycle, pipeline } = parts;
  const { log, hub, catchUp, epochId } = readSide;
  return {
    ...{ catchUp, metrics, maxEventBytes: config.maxEventBytes, maxClients: config.maxClients },
    streams: streamsApiOf(config, { log, metrics, epochId, drainSignal: lifecycle.drainSignal }),
    snapshot: () => log.snapshot(),
    openStreams: () => hub.size,
    isDraining: () => lifecycle.isDraining,
    readiness: () => ({
      ...{ isPipelineUp: pipeline.isUp, isDraining: lifecycle.isDraining, openStreams: hub.size },
      ...{ bus: feed.status(), busKind: feed.kind, poolQueueDepth: pool.queueDepth },
    }),
  };
}

/** The pool's size and deadline, and the worker file when a test overrides it. */
function poolSettingsOf(config: Readonly<Config>, options: ServiceOptions) {
  const workerFile = options.workerFile ? { filename: options.workerFile } : {};
  return { threads: config.poolThreads, taskTimeoutMs: config.poolTaskTimeoutMs, ...workerFile };
}

/** The streams API's reader over the event log, and its settings. */
function streamsApiOf(
  config: Readonly<Config>,
  parts: { log: EventLog; metrics: Metrics; epochId(): string | null; drainSignal: AbortSignal },
) {
  const { log, metrics, epochId, drainSignal } = parts;
  const onRead = (source: 'memory' | 'history') => metrics.logReads.inc({ source });
  return {
    reader: new StreamReader({ log, pageSize: 1000, onRead }),
    ...{ epochId, drainSignal, pingIntervalMs: config.pingIntervalMs },
    ...{ longPollTimeoutMs: config.longPollTimeoutMs, sseMaxMs: config.streamsSseMaxMs },
  };
}

/** The drain and shutdown steps of this gateway's parts (lifecycle.ts orders them). */
function wireLifecycle(
  config: Readonly<Config>,
  parts: {
    server: Server;
    metricsServer: Server | null;
    hub: Hub;
    feed: EventFeed;
    pool: WorkerPool;
  },
): Lifecycle {
  const { server, hub, feed, pool } = parts;
  const servers = parts.metricsServer ? [server, parts.metricsServer] : [server];
  return createLifecycle({
    closeServer: async () => {
      await Promise.all(
        servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))),
      );
    },
    closeAllConnections: () => server.closeAllConnections(),
    endStreams: () => {
      hub.close();
      server.closeIdleConnections();
    },
    drainStreams: () =>
      drainStreams(hub, { windowMs: config.shutdownDrainMs, retryMs: config.retryMs }),
    stopBus: () => feed.stop(),
    closePool: () => pool.close(),
    drainDelayMs: config.drainDelayMs,
  });
}
