/**
 * The message shapes that cross the thread boundary between the pipeline and the worker pool.
 * Kept flat and made of strings and numbers so structured cloning stays cheap.
 */
import type { RejectReason } from './spool-event.js';

/** `check` validates only (before an event is stored); `enrich` validates and builds the output. */
export type BatchMode = 'check' | 'enrich';

/** One raw message. `id` and `storedAtMs` are required in `enrich` mode. */
export interface BatchItem {
  payload: string;
  id?: string;
  storedAtMs?: number;
}

/** One unit of work for a worker thread: many messages at once (one task per message caps near 20k/s). */
export interface BatchTask {
  mode: BatchMode;
  maxEventBytes: number;
  /** IANA zone of the plant clock used to read producer timestamps; default America/Santiago. */
  timeZone: string;
  items: BatchItem[];
}

/** Per-item outcome, aligned by index with `BatchTask.items`. */
export type ItemResult =
  | {
      ok: true;
      /** Outgoing JSON (enrich mode); the enrichment template (check mode, see enrichmentTemplate). */
      data: string;
      tag: string;
      /** The state patch as JSON (check mode), applied when the event is stored; else empty. */
      patch: string;
    }
  | { ok: false; reason: RejectReason; detail: string };

/**
 * What crosses back from a worker: a batch's results packed into a few strings, because
 * structured cloning one object per event cost more than the validation itself (the pool
 * ran at 0.4× the inline speed). None of the packed fields can hold a line break: JSON
 * text escapes them, tags refuse control characters.
 */
export interface PackedResults {
  /** One character per item: '1' accepted, '0' rejected. */
  verdicts: string;
  /** Accepted items' `data`, `tag` and `patch`, each list joined with '\n'. */
  data: string;
  tags: string;
  patches: string;
  /** Rejected items' reasons and details, in item order. */
  rejects: { reason: RejectReason; detail: string }[];
}

/** Packs results for the trip back to the main thread. */
export function packResults(results: ItemResult[]): PackedResults {
  let verdicts = '';
  const data: string[] = [];
  const tags: string[] = [];
  const patches: string[] = [];
  const rejects: PackedResults['rejects'] = [];
  for (const result of results) {
    if (result.ok) {
      verdicts += '1';
      data.push(result.data);
      tags.push(result.tag);
      patches.push(result.patch);
    } else {
      verdicts += '0';
      rejects.push({ reason: result.reason, detail: result.detail });
    }
  }
  return {
    verdicts,
    data: data.join('\n'),
    tags: tags.join('\n'),
    patches: patches.join('\n'),
    rejects,
  };
}

/** Unpacks what `packResults` made, aligned with the batch's items again. */
export function unpackResults(packed: PackedResults): ItemResult[] {
  const accepted = packed.verdicts.replaceAll('0', '').length;
  const split = (text: string) => (accepted === 0 ? [] : text.split('\n'));
  const data = split(packed.data);
  const tags = split(packed.tags);
  const patches = split(packed.patches);
  const results: ItemResult[] = [];
  let ok = 0;
  let rejected = 0;
  for (const verdict of packed.verdicts) {
    if (verdict === '1') {
      results.push({
        ok: true,
        data: data[ok] ?? '',
        tag: tags[ok] ?? '',
        patch: patches[ok] ?? '',
      });
      ok += 1;
    } else {
      results.push({
        ok: false,
        ...(packed.rejects[rejected] as PackedResults['rejects'][number]),
      });
      rejected += 1;
    }
  }
  return results;
}
