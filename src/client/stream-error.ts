/** The errors a stream reports (`onError`, `state.error`), each with a stable code. */

/** Stable codes of `SpoolStreamError`. */
export type SpoolStreamErrorCode =
  | 'stream_dropped'
  | 'stream_refused'
  | 'stream_silent'
  | 'stream_unauthorized'
  | 'stream_forbidden'
  | 'stream_buffered'
  | 'token_unavailable';

/** Why a stream was replaced or failed, with a stable code. */
export class SpoolStreamError extends Error {
  constructor(
    readonly code: SpoolStreamErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'SpoolStreamError';
  }
}
