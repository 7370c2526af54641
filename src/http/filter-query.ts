/**
 * The filter of a read route's request: its query parsed (domain/stream-filter.ts) and
 * intersected with the caller's restriction. A query too long, an unknown parameter, an
 * empty value or too many terms is answered here (414 or 400, naming the parameter) and
 * counted.
 */
import type { Context } from 'koa';
import type { Restriction } from '../auth/principal.js';
import { compileFilter, parseFilterQuery, type StreamFilter } from '../domain/stream-filter.js';

/** Longest query string a read route takes, in characters. */
export const MAX_QUERY_CHARS = 4096;

/** The limits a read request can hit (the metric's `limit`). */
export type QueryLimit = 'query_length' | 'filter_terms' | 'query_params';

/**
 * The request's filter, or null once the answer (414/400) is set. `otherParams` are the
 * route's own query parameters.
 */
export function filterOfRequest(
  ctx: Context,
  otherParams: readonly string[],
  restriction: Restriction | null,
  onRefused: (limit: QueryLimit) => void,
): StreamFilter | null {
  if (ctx.querystring.length > MAX_QUERY_CHARS) {
    onRefused('query_length');
    ctx.status = 414;
    ctx.body = {
      error: 'query_too_long',
      message: `the query string is longer than ${MAX_QUERY_CHARS} characters`,
    };
    return null;
  }
  const parsed = parseFilterQuery(ctx.query, otherParams);
  if (!parsed.ok) {
    onRefused(parsed.problem.message.startsWith('at most') ? 'filter_terms' : 'query_params');
    ctx.status = 400;
    ctx.body = {
      error: 'invalid_query',
      param: parsed.problem.param,
      message: parsed.problem.message,
    };
    return null;
  }
  return compileFilter(parsed.spec, restriction);
}
