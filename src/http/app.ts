/**
 * The Koa application: routes only, no state of its own. Everything it serves arrives as an
 * argument, so tests build apps around their own bus, hub and registry.
 */
import { Router } from '@koa/router';
import Koa from 'koa';
import type { Bus } from '../bus/bus.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { ReadinessInput } from '../observability/readiness.js';
import type { RecordRejection } from '../observability/rejections.js';
import type { Replayer } from '../replay/replayer.js';
import type { Hub } from '../stream/hub.js';
import { type CorsPolicy, corsMiddleware } from './cors.js';
import { mountEventsRoute } from './events-route.js';
import { mountHealthRoutes } from './health-route.js';
import { mountSpoolsRoute } from './spools-route.js';
import { mountStaticRoutes } from './static-route.js';
import { mountStreamRoute } from './stream-route.js';

/** What the app serves. */
export interface AppDeps {
  bus: Bus;
  hub: Hub;
  replayer: Replayer;
  /** Counts and logs a rejected POST (observability/rejections.ts). */
  recordRejection: RecordRejection;
  /** A POSTed event's enrichment template, kept for its announcement (flow.ts). */
  onPrepared?: (payload: string, template: string) => void;
  plantTimeZone: string;
  metrics: Metrics;
  logger: Logger;
  maxEventBytes: number;
  readiness: () => ReadinessInput;
  isDraining: () => boolean;
  /** Most open streams (`SSE_MAX_CLIENTS`); 0 = unlimited. */
  maxClients: number;
  /** Logs request errors by kind at a bounded rate (request-errors.ts). */
  reportRequestError: (error: NodeJS.ErrnoException) => void;
  /** Cross-origin policy for the stream and the API (empty origins: same-origin only). */
  cors: CorsPolicy;
  /** Where the built dashboard and browser client live (default: this package's dist/). */
  distDir?: string;
}

/** Builds the Koa app. */
export function createApp(deps: AppDeps): Koa {
  const app = new Koa();
  const router = new Router();
  mountStreamRoute(router, deps.replayer, deps.isDraining, () => {
    if (deps.maxClients === 0 || deps.hub.size < deps.maxClients) return false;
    deps.metrics.streamsRefused.inc();
    return true;
  });
  mountSpoolsRoute(router, deps.bus);
  mountEventsRoute(router, {
    bus: deps.bus,
    maxEventBytes: deps.maxEventBytes,
    plantTimeZone: deps.plantTimeZone,
    onRejected: (reason, detail) => deps.recordRejection(reason, detail, 'http'),
    onStoreFailed: () => deps.metrics.storeFailures.inc(),
    ...(deps.onPrepared ? { onPrepared: deps.onPrepared } : {}),
  });
  mountHealthRoutes(router, deps.readiness, deps.metrics.registry);
  mountStaticRoutes(router, deps.distDir);
  // Before the router: a preflight is answered here, never reaching a route.
  app.use(corsMiddleware(deps.cors, (route) => deps.metrics.corsRefused.inc({ route })));
  app.use(router.routes());
  app.use(router.allowedMethods());
  app.silent = true;
  app.on('error', deps.reportRequestError);
  return app;
}
