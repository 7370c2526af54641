/**
 * Piscina worker entry: validates (and in `enrich` mode enriches) a batch of raw messages.
 * Imports src/domain only. Bad data comes back as `{ ok: false }` results, never as a throw,
 * so one bad message cannot fail its batch. No top-level await: it fails under tsx in workers.
 */
import {
  type BatchItem,
  type BatchTask,
  type ItemResult,
  type PackedResults,
  packResults,
} from '../src/domain/batch.js';
import { enrichmentTemplate, enrichSpoolEvent } from '../src/domain/enrich-spool-event.js';
import { parseSpoolEvent } from '../src/domain/parse-spool-event.js';
import { computeStatePatch } from '../src/domain/spool-state.js';

/** Largest magnitude a JS Date accepts, in ms either side of the epoch. */
const MAX_DATE_MS = 8.64e15;

/** Processes one batch; results are aligned by index with `task.items`. */
export function processBatch(task: BatchTask): ItemResult[] {
  return task.items.map((item) => processItem(task, item));
}

/** The piscina task: processes a batch and packs the results for a cheap trip back. */
export default function runBatch(task: BatchTask): PackedResults {
  return packResults(processBatch(task));
}

function processItem(task: BatchTask, item: BatchItem): ItemResult {
  const parsed = parseSpoolEvent(item.payload, task.maxEventBytes);
  if (!parsed.ok) return { ok: false, reason: parsed.reason, detail: parsed.detail };
  const { event } = parsed;
  if (task.mode === 'check') {
    // The claim stores the event and its state patch in one step, so compute it here; the
    // enrichment is prepared too, so the announced event needs no second parse.
    const patch = JSON.stringify(computeStatePatch(event, task.timeZone));
    const template = enrichmentTemplate(event, task.timeZone, item.payload);
    return { ok: true, data: template, tag: event.tag_spool, patch };
  }
  const { id, storedAtMs } = item;
  // A pipeline bug rather than bad producer data, but still reported per item, not thrown.
  if (typeof id !== 'string' || id === '') {
    return { ok: false, reason: 'invalid_value', detail: 'enrich item has no event id' };
  }
  if (typeof storedAtMs !== 'number' || !(Math.abs(storedAtMs) <= MAX_DATE_MS)) {
    return { ok: false, reason: 'invalid_value', detail: 'enrich item has no valid storedAtMs' };
  }
  const data = enrichSpoolEvent(event, id, storedAtMs, task.timeZone, item.payload);
  return { ok: true, data, tag: event.tag_spool, patch: '' };
}
