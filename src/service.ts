/**
 * Builds and runs one gateway from a config: bus → pool → pipeline → hub → HTTP server.
 * main.ts calls it for the real process; tests call it for in-process gateways.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Bus } from './bus/bus.js';
import { createMemoryBus } from './bus/memory-bus.js';
import { createRedisBus } from './bus/redis-bus.js';
import { describeRedisTarget, redisTargetFromConfig } from './bus/redis-connection.js';
import type { Config } from './config.js';
import { createFlow } from './flow.js';
import { createApp } from './http/app.js';
import { createRequestErrorLog } from './http/request-errors.js';
import type { Logger } from './observability/logger.js';
import { createMetrics, type Metrics } from './observability/metrics.js';
import { createRejectionRecorder } from './observability/rejections.js';
import { createWorkerPool, type WorkerPool } from './pipeline/worker-pool.js';
import { createReplayer } from './replay/replayer.js';
import { type DrainReport, drainStreams } from './stream/drain.js';
import { FrameCache } from './stream/frame-cache.js';
import { Hub } from './stream/hub.js';

/** A running gateway. */
export interface Service {
  /** Base URL, e.g. http://127.0.0.1:8000 */
  url: string;
  server: Server;
  bus: Bus;
  hub: Hub;
  pool: WorkerPool;
  metrics: Metrics;
  /** Resolves once the pipeline is up (pool warm, bus subscribed); /readyz turns 200. */
  ready: Promise<void>;
  /** Turns readiness to 503 and refuses new streams; open streams keep flowing. */
  beginDrain(): void;
  /**
   * The SIGTERM sequence: readiness 503 at once; after `DRAIN_DELAY_S` the open streams are
   * ended at random over `SHUTDOWN_DRAIN_S` while the bus keeps delivering (and claiming);
   * then `stop()`. Resolves with what was drained.
   */
  drain(): Promise<DrainReport>;
  /** Ends the open streams at once (if not drained), then closes the server, bus and pool. */
  stop(): Promise<void>;
}

/** Extra wiring, mostly for tests. */
export interface ServiceOptions {
  logger: Logger;
  /** Worker entry override (tests inject faults through a wrapping worker). */
  workerFile?: string;
  /** Collect process metrics (off in tests that start many gateways in one process). */
  defaultMetrics?: boolean;
}

function createBus(config: Config, logger: Logger, metrics: Metrics): Bus {
  const target = redisTargetFromConfig(config);
  if (!target) {
    logger.info('REDIS_URL is not set: using the embedded in-process bus (one instance only)');
    return createMemoryBus({
      historySize: config.historySize,
      deadLetterSize: config.deadLetterSize,
    });
  }
  logger.info({ redis: describeRedisTarget(target) }, 'using redis');
  return createRedisBus({
    target,
    replicaAcks: config.publishReplicaAcks,
    channel: config.spoolsChannel,
    keyPrefix: config.redisKeyPrefix,
    historySize: config.historySize,
    deadLetterSize: config.deadLetterSize,
    claimWindowMs: config.claimWindowMs,
    publishTimeoutMs: config.publishTimeoutMs,
    maxEventBytes: config.maxEventBytes,
    logger,
    onReconnect: () => metrics.busReconnects.inc(),
    pingIntervalMs: config.pingIntervalMs,
    onSubscriberDrop: (cause) => metrics.subscriberDrops.inc({ cause }),
    onSubscriberBuffer: (bytes) => metrics.subscriberBufferBytes.set(bytes),
  });
}

/** Starts a gateway and listens; the pipeline comes up in the background (`ready`). */
export async function startService(
  config: Readonly<Config>,
  options: ServiceOptions,
): Promise<Service> {
  const { logger } = options;
  const metrics = createMetrics(options.defaultMetrics ?? true);
  const bus = createBus(config, logger, metrics);
  const hub = new Hub({
    pingIntervalMs: config.pingIntervalMs,
    sendTimeoutMs: config.sendTimeoutMs,
    maxBufferedBytes: config.maxBufferedBytes,
    fanOutSlice: config.fanOutSlice,
    retryMs: config.retryMs,
    busHealth: () => bus.status(),
    onDelivered: (clients, events, bytes) => {
      metrics.deliveries.inc(clients * events);
      metrics.deliveredBytes.inc(bytes);
    },
    onCut: (reason) => {
      if (reason !== 'shutdown') metrics.clientsCut.inc({ reason });
    },
    onOpenChange: (open) => metrics.openStreams.set(open),
    onPendingChange: (bytes) => metrics.fanOutPendingBytes.set(bytes),
  });
  const pool = createWorkerPool({
    threads: config.poolThreads,
    taskTimeoutMs: config.poolTaskTimeoutMs,
    ...(options.workerFile ? { filename: options.workerFile } : {}),
    onTaskDone: (seconds) => metrics.poolTaskSeconds.observe(seconds),
    onTaskFailed: (kind) => {
      metrics.poolTaskFailures.inc({ kind });
      logger.warn({ kind }, 'worker pool task failed; retrying its batch in halves');
    },
    onQueueChange: (depth) => metrics.poolQueueDepth.set(depth),
  });
  const cache = new FrameCache(config.historySize);
  const recordRejection = createRejectionRecorder(metrics, logger);
  // Catch-up enriches history reads with the flow's own pipeline (called only once streams
  // open, after both exist), and the flow asks it to resync everyone after a history break.
  const replayer = createReplayer({
    bus,
    enrich: (events) => flow.pipeline.enrichNow(events),
    hub,
    cache,
    onStart: (mode, replayed) => {
      metrics.streamStarts.inc({ mode });
      metrics.replayedEvents.inc(replayed);
    },
  });
  const flow = createFlow({
    config,
    bus,
    pool,
    hub,
    cache,
    metrics,
    logger,
    recordRejection,
    onHistoryBreak: () => replayer.resyncAll(),
  });

  let isPipelineUp = false;
  let isDraining = false;
  const reportRequestError = createRequestErrorLog(logger);
  const app = createApp({
    reportRequestError,
    bus,
    hub,
    replayer,
    plantTimeZone: config.plantTimeZone,
    recordRejection,
    onPrepared: (payload, template) => flow.pipeline.remember(payload, template),
    metrics,
    logger,
    maxEventBytes: config.maxEventBytes,
    isDraining: () => isDraining,
    maxClients: config.maxClients,
    cors: { origins: config.corsOrigins, allowCredentials: config.corsAllowCredentials },
    readiness: () => ({
      isPipelineUp,
      isDraining,
      bus: bus.status(),
      busKind: bus.kind,
      poolQueueDepth: pool.queueDepth,
      openStreams: hub.size,
    }),
  });

  const server = createServer(app.callback());
  // Malformed requests: answer as Node does by default, but log them (bounded) instead of
  // staying silent, and never let one reach the process as an uncaught error.
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    reportRequestError(error);
    if (!socket.writable || error.code === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    const status =
      error.code === 'HPE_HEADER_OVERFLOW'
        ? '431 Request Header Fields Too Large'
        : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? '408 Request Timeout'
          : '400 Bad Request';
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  });
  // Above common proxy upstream keepalives (60 s), so the proxy closes idle sockets first.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  // A reconnect storm arrives at once: let the kernel queue it.
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: config.port, host: config.host, backlog: 4096 }, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${address.port}`;

  const ready = flow.start().then(() => {
    isPipelineUp = true;
    logger.info({ url, bus: bus.kind, threads: config.poolThreads }, 'spoolcast is ready');
  });
  // A failed start is reported through `ready`; keep it from being an unhandled rejection.
  ready.catch((error) => logger.error({ err: error }, 'pipeline failed to start'));

  const beginDrain = () => {
    isDraining = true;
  };
  let stopping: Promise<void> | null = null;
  const stop = () => {
    stopping ??= (async () => {
      beginDrain();
      // Order: stop new streams, end open ones (clients reconnect elsewhere), then the
      // inputs — the bus last among them, so everything stored until the last stream
      // ended reached it — then the pool, which lets its tasks in flight finish.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      hub.close();
      server.closeIdleConnections();
      await bus.stop();
      await pool.close();
      // Streams that do not finish their final flush promptly are cut.
      const forceTimer = setTimeout(() => server.closeAllConnections(), 2000);
      await closed;
      clearTimeout(forceTimer);
    })();
    return stopping;
  };

  let draining: Promise<DrainReport> | null = null;
  const drain = () => {
    draining ??= (async () => {
      beginDrain();
      // The load balancer needs a moment to see the 503 and stop sending new streams here.
      await new Promise((resolve) => setTimeout(resolve, config.drainDelayMs));
      // Streams end one by one over the window; the bus and claiming keep running meanwhile,
      // so the streams still open get every event until their own close.
      const report = await drainStreams(hub, {
        windowMs: config.shutdownDrainMs,
        retryMs: config.retryMs,
      });
      await stop();
      return report;
    })();
    return draining;
  };

  return { url, server, bus, hub, pool, metrics, ready, beginDrain, drain, stop };
}
