/**
 * Cross-origin access to the stream, `/api/spools` and `/api/events` (docs/contract.md §3): a pure
 * decision per request, and the thin Koa middleware that applies it. Exact origins only
 * (`CORS_ORIGINS`); an empty list means same-origin only. A refused origin gets no CORS
 * header at all, so the browser blocks it, and is counted.
 * Spec: https://fetch.spec.whatwg.org/#http-cors-protocol
 */
import type { Middleware } from 'koa';

/** The routes that speak CORS, named as in the refusal metric's `route` label. */
export const CORS_ROUTES = {
  '/api/sse/stream': { route: 'stream', methods: 'GET' },
  '/api/spools': { route: 'spools', methods: 'GET' },
  '/api/streams/spools': { route: 'streams', methods: 'GET, HEAD' },
  '/api/events': { route: 'events', methods: 'POST' },
} as const;

/** A label of the refusal metric. */
export type CorsRoute = (typeof CORS_ROUTES)[keyof typeof CORS_ROUTES]['route'];

/** The configured policy (from `CORS_ORIGINS` and `CORS_ALLOW_CREDENTIALS`). */
export interface CorsPolicy {
  origins: readonly string[];
  allowCredentials: boolean;
}

/** What one request carries that matters to CORS. */
export interface CorsRequest {
  method: string;
  path: string;
  /** The `Origin` header, if any. */
  origin: string | undefined;
  /** The `Host` header, to recognise a same-origin request that still sends `Origin`. */
  host: string | undefined;
  /** `Access-Control-Request-Method`: present only on a preflight. */
  requestMethod: string | undefined;
}

/** The outcome for one request. */
export type CorsDecision =
  /** Not a CORS route, no Origin, or same-origin: nothing to add. */
  | { kind: 'none' }
  /** An allowed origin: add `headers`; a preflight is answered here with 204. */
  | { kind: 'allowed'; isPreflight: boolean; headers: Record<string, string> }
  /**
   * A cross-origin request from an origin not on the list: no CORS header. A preflight or
   * a POST is answered 403 here (a "simple" cross-site POST would otherwise be executed
   * even though the browser hides the answer); a GET is served, unreadable to the page.
   */
  | { kind: 'refused'; route: CorsRoute; isAnswered: boolean };

// Content-Type for the JSON body, Idempotency-Key for safe retries, Last-Event-ID because
// EventSource sends it on every reconnect and it is not a CORS-safelisted header,
// Authorization for a bearer token, If-None-Match for the streams API's ETags.
const ALLOWED_HEADERS =
  'Authorization, Content-Type, Idempotency-Key, Last-Event-ID, If-None-Match';
// Headers a page may read on the answers (Retry-After on 503s and 429s, the idempotent
// replay flag, the challenge on a 401, the streams API's offsets and ETags).
const EXPOSED_HEADERS =
  'Idempotent-Replayed, Retry-After, WWW-Authenticate, ETag, Stream-Next-Offset, Stream-Up-To-Date, Stream-Cursor';
const PREFLIGHT_MAX_AGE_S = '600';

/** Decides what CORS headers (if any) a request gets. Pure. */
export function decideCors(request: CorsRequest, policy: CorsPolicy): CorsDecision {
  const entry = CORS_ROUTES[request.path as keyof typeof CORS_ROUTES];
  const { origin } = request;
  if (entry === undefined || origin === undefined || origin === '') return { kind: 'none' };
  if (isSameOrigin(origin, request.host)) return { kind: 'none' };
  const isPreflight = request.method === 'OPTIONS' && request.requestMethod !== undefined;
  if (!policy.origins.includes(origin)) {
    const isAnswered = isPreflight || request.method === 'POST';
    return { kind: 'refused', route: entry.route, isAnswered };
  }
  const headers: Record<string, string> = { 'Access-Control-Allow-Origin': origin };
  if (policy.allowCredentials) headers['Access-Control-Allow-Credentials'] = 'true';
  if (isPreflight) {
    headers['Access-Control-Allow-Methods'] = entry.methods;
    headers['Access-Control-Allow-Headers'] = ALLOWED_HEADERS;
    headers['Access-Control-Max-Age'] = PREFLIGHT_MAX_AGE_S;
  } else {
    headers['Access-Control-Expose-Headers'] = EXPOSED_HEADERS;
  }
  return { kind: 'allowed', isPreflight, headers };
}

/**
 * Browsers send `Origin` on same-origin POSTs too. Compared by host and port only: behind
 * a TLS-terminating proxy the page is `https://` while this process sees plain HTTP.
 */
function isSameOrigin(origin: string, host: string | undefined): boolean {
  if (host === undefined) return false;
  try {
    return new URL(origin).host === new URL(`http://${host}`).host;
  } catch {
    return false;
  }
}

/** Koa middleware applying `decideCors`; `onRefused` counts a refused origin. */
export function corsMiddleware(
  policy: CorsPolicy,
  onRefused: (route: CorsRoute) => void,
): Middleware {
  return async (ctx, next) => {
    const isCorsRoute = ctx.path in CORS_ROUTES;
    // Answers differ by Origin, so a shared cache must key on it.
    if (isCorsRoute && policy.origins.length > 0) ctx.vary('Origin');
    const decision = decideCors(
      {
        method: ctx.method,
        path: ctx.path,
        origin: ctx.get('Origin') || undefined,
        host: ctx.get('Host') || undefined,
        requestMethod: ctx.get('Access-Control-Request-Method') || undefined,
      },
      policy,
    );
    if (decision.kind === 'refused') {
      onRefused(decision.route);
      if (decision.isAnswered) {
        ctx.status = 403;
        ctx.body = { error: 'origin_not_allowed' };
        return;
      }
    } else if (decision.kind === 'allowed') {
      ctx.set(decision.headers);
      if (decision.isPreflight) {
        ctx.status = 204;
        return;
      }
    }
    await next();
  };
}
