/**
 * What one stream selects. Streams with the same filter share one buffer per event in the
 * fan-out (their `key` is equal), so an event costs one join per distinct filter, not per
 * client. Pure.
 */
import type { EventMeta } from './event-meta.js';

/** A compiled selection over event meta. */
export interface StreamFilter {
  /** Equal for equal selections; `''` selects everything. */
  readonly key: string;
  matches(meta: EventMeta): boolean;
}

/** The filter of a stream that asked for nothing in particular. */
export const MATCH_ALL: StreamFilter = Object.freeze({ key: '', matches: () => true });
