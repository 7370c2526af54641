/**
 * What to do with an error raised while serving a request. A client going away is normal
 * (docs/contract.md §2) and says nothing; a client that sent garbage or gave up mid-body is
 * the client's fault and is logged briefly at a bounded rate; anything else is ours and is
 * logged at error, also bounded, so 10,000 aborted uploads cannot flood the logs.
 */
import { createLogLimiter } from '../observability/log-limiter.js';
import type { Logger } from '../observability/logger.js';

/** How a request error is treated. */
export type RequestErrorKind = 'quiet' | 'client' | 'server';

// A client disconnecting mid-stream (Koa 3 reports its pipeline's premature close).
const QUIET_CODES: ReadonlySet<string> = new Set([
  'ERR_STREAM_PREMATURE_CLOSE',
  'ECONNRESET',
  'EPIPE',
  'ERR_STREAM_DESTROYED',
]);
const CLIENT_CODES: ReadonlySet<string> = new Set([
  'ECONNABORTED',
  'ERR_HTTP_REQUEST_TIMEOUT',
  'ERR_STREAM_WRITE_AFTER_END',
]);

/** Classifies an error by its `code`: HTTP parser errors (`HPE_*`) are the client's. */
export function classifyRequestError(code: string | undefined): RequestErrorKind {
  if (code === undefined) return 'server';
  if (QUIET_CODES.has(code)) return 'quiet';
  if (CLIENT_CODES.has(code) || code.startsWith('HPE_')) return 'client';
  return 'server';
}

/** Returns the reporter the app and the server share; one limiter per kind. */
export function createRequestErrorLog(logger: Logger): (error: NodeJS.ErrnoException) => void {
  const clientLimiter = createLogLimiter();
  const serverLimiter = createLogLimiter();
  return (error) => {
    const kind = classifyRequestError(error.code);
    if (kind === 'quiet') return;
    const limiter = kind === 'client' ? clientLimiter : serverLimiter;
    const suppressed = limiter.admit(Date.now());
    if (suppressed === null) return;
    if (kind === 'client') {
      // No stack: it is the client's doing, and the code says what happened.
      logger.info(
        { code: error.code, reason: error.message, suppressed },
        'bad or aborted request',
      );
    } else logger.error({ err: error, suppressed }, 'request failed');
  };
}
