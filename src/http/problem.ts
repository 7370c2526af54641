/**
 * Error answers (docs/contract.md §3): `{error, message}` with a stable code, and the two
 * "come back in a second" answers the read routes share.
 */
import type { Context } from 'koa';

/** Answers `status` with `{error, message}`. */
export function refuse(ctx: Context, status: number, error: string, message: string): void {
  ctx.status = status;
  ctx.body = { error, message };
}

const UNAVAILABLE = {
  not_ready: 'the event history is not available yet',
  history_unavailable: 'the event history cannot be read now',
} as const;

/** 503 with `Retry-After: 1`: the history is not known yet, or cannot be read now. */
export function refuseUnavailable(ctx: Context, error: keyof typeof UNAVAILABLE): void {
  ctx.set('Retry-After', '1');
  refuse(ctx, 503, error, UNAVAILABLE[error]);
}
