/**
 * Framing, once per event per gateway: enriched results become `spool_update` frames,
 * joined for one write per client. Live broadcast and catch-up use the same function, so
 * a replayed event has the same bytes as the live one. Pure.
 */
import type { ItemResult } from '../domain/batch.js';
import type { RejectReason } from '../domain/spool-event.js';
import type { CachedFrame } from './frame-cache.js';
import { formatSpoolUpdate } from './sse-frame.js';

/** The frames of one batch, and the items that were rejected instead. */
export interface BatchFrames {
  /** Every frame, concatenated: what each client is written. */
  text: string;
  /** The same frames one by one, for the frame cache and clients catching up. */
  entries: CachedFrame[];
  /** Id of the last framed event, or null when none was. */
  lastId: string | null;
  rejected: { index: number; reason: RejectReason; detail: string }[];
}

/** Frames a batch of enriched results, aligned by index with `ids`. */
export function frameBatch(ids: readonly string[], results: readonly ItemResult[]): BatchFrames {
  let text = '';
  const entries: CachedFrame[] = [];
  const rejected: BatchFrames['rejected'] = [];
  let lastId: string | null = null;
  results.forEach((result, index) => {
    const id = ids[index] as string;
    if (!result.ok) {
      rejected.push({ index, reason: result.reason, detail: result.detail });
      return;
    }
    const frame = formatSpoolUpdate(id, result.data);
    text += frame;
    entries.push({ id, frame });
    lastId = id;
  });
  return { text, entries, lastId, rejected };
}
