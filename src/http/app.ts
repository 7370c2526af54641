/**
 * The Koa application: routes only, no state of its own. Everything it serves arrives as an
 * argument, so tests build apps around their own read side, write side and registry.
 */
import { Router } from '@koa/router';
import Koa from 'koa';
import type { Snapshot } from '../bus/feed.js';
import type { Metrics } from '../observability/metrics.js';
import type { ReadinessInput } from '../observability/readiness.js';
import type { RecordRejection } from '../observability/rejections.js';
import type { CatchUp } from '../read/catch-up.js';
import type { Publish } from '../write/publish.js';
import type { AddressSlots } from './address-slots.js';
import { type AuthPolicy, authMiddleware } from './auth-middleware.js';
import { type CorsPolicy, corsMiddleware } from './cors.js';
import { mountEventsRoute } from './events-route.js';
import { mountHealthRoutes } from './health-route.js';
import type { RateLimiter } from './rate-limiter.js';
import { mountSpoolsRoute } from './spools-route.js';
import { mountStaticRoutes } from './static-route.js';
import { mountStreamRoute } from './stream-route.js';
import { mountStreamsRoute, type StreamsRouteDeps } from './streams-route.js';

/** What the app serves. */
export interface AppDeps {
  /** The read side: streams and the snapshot. */
  catchUp: CatchUp;
  snapshot: () => Promise<Snapshot | null>;
  openStreams: () => number;
  /** The write side's POST step. */
  publish: Publish;
  recordRejection: RecordRejection;
  metrics: Metrics;
  maxEventBytes: number;
  readiness: () => ReadinessInput;
  isDraining: () => boolean;
  /** Most open streams (`SSE_MAX_CLIENTS`); 0 = unlimited. */
  maxClients: number;
  /** Logs request errors by kind at a bounded rate (request-errors.ts). */
  reportRequestError: (error: NodeJS.ErrnoException) => void;
  /** Cross-origin policy for the stream and the API (empty origins: same-origin only). */
  cors: CorsPolicy;
  /** Who may read and publish (a verifier, or none when auth is off). */
  auth: AuthPolicy;
  /** Open streams per client address. */
  slots: AddressSlots;
  /** Publishes per subject or address. */
  publishRate: RateLimiter;
  /** Counts a request refused by a limit. */
  onLimit(limit: string): void;
  /** Whether `/metrics` is served here (no `METRICS_PORT`). */
  isMetricsHere: boolean;
  /** Proxies whose `X-Forwarded-For` entries are trusted for the client address. */
  trustProxyHops: number;
  /** The Durable Streams read API. */
  streams: Omit<StreamsRouteDeps, 'onLimit' | 'onRead'>;
  /** Where the built dashboard and browser client live (default: this package's dist/). */
  distDir?: string;
}

/** Builds the Koa app. */
export function createApp(deps: AppDeps): Koa {
  // Behind a proxy the client address is the last trusted `X-Forwarded-For` entry.
  const app = new Koa({
    proxy: deps.trustProxyHops > 0,
    maxIpsCount: deps.trustProxyHops,
  });
  const router = new Router();
  mountStreamRoute(router, {
    catchUp: deps.catchUp,
    isDraining: deps.isDraining,
    hasRoom: () => deps.maxClients === 0 || deps.openStreams() < deps.maxClients,
    onRefusedFull: () => deps.metrics.streamsRefused.inc(),
    slots: deps.slots,
    onLimit: deps.onLimit,
  });
  mountSpoolsRoute(router, { snapshot: deps.snapshot, onLimit: deps.onLimit });
  mountStreamsRoute(router, {
    ...deps.streams,
    onLimit: deps.onLimit,
    onRead: (mode) => deps.metrics.streamsApiRequests.inc({ mode }),
  });
  mountEventsRoute(router, {
    publish: deps.publish,
    maxEventBytes: deps.maxEventBytes,
    onRejected: (reason, detail) => deps.recordRejection(reason, detail, 'http'),
    rate: deps.publishRate,
    onRateLimited: () => deps.onLimit('publish_rate'),
  });
  mountHealthRoutes(router, deps.readiness, deps.isMetricsHere ? deps.metrics.registry : null);
  mountStaticRoutes(router, deps.distDir);
  // Before the router: a preflight is answered by CORS, never reaching auth or a route.
  app.use(corsMiddleware(deps.cors, (route) => deps.metrics.corsRefused.inc({ route })));
  app.use(authMiddleware(deps.auth));
  app.use(router.routes());
  app.use(router.allowedMethods());
  app.silent = true;
  app.on('error', deps.reportRequestError);
  return app;
}
