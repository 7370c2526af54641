/**
 * Koa middleware that lets a request reach a protected route only with the scope it needs:
 * `spools:read` for the stream, the spools and the other read routes, `spools:publish` for
 * `POST /api/events`. No or a bad token → 401 with `WWW-Authenticate: Bearer` and a JSON
 * reason (RFC 6750 §3); a good token without the scope → 403. The caller's principal (its
 * restriction and expiry) is left in `ctx.state.principal` for the route. `/healthz`,
 * `/readyz`, `/metrics` and the dashboard's files are not protected here. The query token
 * is taken out of the query before any route sees it, and never logged or echoed.
 */
import type { Context, Middleware } from 'koa';
import { ANYONE, hasScope, type Principal, type Scope } from '../auth/principal.js';
import { findToken } from '../auth/token-source.js';
import type { TokenProblem, Verify } from '../auth/verifier.js';

/** A protected route: its metric label and the scope it needs. */
export interface ProtectedRoute {
  route: string;
  scope: Scope;
}

/** Why a request was refused (the metric's `reason`). */
export type AuthRefusal =
  | TokenProblem
  | 'missing'
  | 'query_token_not_allowed'
  | 'insufficient_scope';

/** The protected paths. */
export const PROTECTED_ROUTES: Readonly<Record<string, ProtectedRoute>> = {
  '/api/sse/stream': { route: 'stream', scope: 'spools:read' },
  '/api/spools': { route: 'spools', scope: 'spools:read' },
  '/api/streams/spools': { route: 'streams', scope: 'spools:read' },
  '/api/events': { route: 'events', scope: 'spools:publish' },
};

/** How the middleware authenticates. */
export interface AuthPolicy {
  /** Null when auth is off: every caller is `ANYONE`. */
  verify: Verify | null;
  cookieName: string;
  isQueryTokenAllowed: boolean;
  onRefused(route: string, reason: AuthRefusal, detail: string): void;
}

/** The principal the middleware left for a route (`ANYONE` when auth is off). */
export function principalOf(ctx: Context): Principal {
  return (ctx.state.principal as Principal | undefined) ?? ANYONE;
}

/** Creates the middleware. */
export function authMiddleware(policy: AuthPolicy): Middleware {
  return async (ctx, next) => {
    const queryToken = takeQueryToken(ctx);
    const target = PROTECTED_ROUTES[ctx.path];
    // Preflights carry no credentials; CORS answers them before this runs.
    if (target === undefined || policy.verify === null || ctx.method === 'OPTIONS') {
      ctx.state.principal = ANYONE;
      return next();
    }
    const found = findToken(
      {
        authorization: ctx.get('Authorization') || undefined,
        cookie: ctx.get('Cookie') || undefined,
        queryToken,
      },
      { cookieName: policy.cookieName, isQueryAllowed: policy.isQueryTokenAllowed },
    );
    if (found.kind === 'none') return unauthorized(ctx, policy, target, 'missing', 'no token');
    if (found.kind === 'refused') {
      const detail =
        found.reason === 'malformed'
          ? 'the Authorization header is not "Bearer <token>"'
          : 'tokens in the query are not accepted here (AUTH_QUERY_TOKEN)';
      return unauthorized(ctx, policy, target, found.reason, detail);
    }
    const verified = await policy.verify(found.token);
    if (!verified.ok) {
      if (verified.problem === 'keys_unavailable') {
        policy.onRefused(target.route, verified.problem, verified.detail);
        ctx.status = 503;
        ctx.set('Retry-After', '5');
        ctx.body = {
          error: 'auth_unavailable',
          reason: verified.problem,
          message: verified.detail,
        };
        return;
      }
      return unauthorized(ctx, policy, target, verified.problem, verified.detail);
    }
    if (!hasScope(verified.principal, target.scope)) {
      policy.onRefused(target.route, 'insufficient_scope', target.scope);
      ctx.status = 403;
      ctx.set(
        'WWW-Authenticate',
        `Bearer realm="spoolcast", error="insufficient_scope", scope="${target.scope}"`,
      );
      ctx.body = {
        error: 'forbidden',
        reason: 'insufficient_scope',
        message: `the token lacks the scope ${target.scope}`,
      };
      return;
    }
    ctx.state.principal = verified.principal;
    return next();
  };
}

function unauthorized(
  ctx: Context,
  policy: AuthPolicy,
  target: ProtectedRoute,
  reason: AuthRefusal,
  detail: string,
): void {
  policy.onRefused(target.route, reason, detail);
  ctx.status = 401;
  // A request with no token gets the bare challenge (RFC 6750 §3.1).
  ctx.set(
    'WWW-Authenticate',
    reason === 'missing'
      ? 'Bearer realm="spoolcast"'
      : `Bearer realm="spoolcast", error="invalid_token", error_description="${reason}"`,
  );
  ctx.body = { error: 'unauthorized', reason, message: detail };
}

/**
 * Removes `access_token` from the query, so no route, filter or error message sees it,
 * and returns it (the last one, if repeated).
 */
function takeQueryToken(ctx: Context): string | undefined {
  if (!ctx.querystring.includes('access_token')) return undefined;
  const params = new URLSearchParams(ctx.querystring);
  const values = params.getAll('access_token');
  if (values.length === 0) return undefined;
  params.delete('access_token');
  ctx.querystring = params.toString();
  return values.at(-1);
}
