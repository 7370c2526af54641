/**
 * Piscina worker entry: prepares a batch of producer texts (validate, enrich, state patch,
 * meta) with the pure core, nothing else. Bad data comes back as `{ ok: false }` results,
 * never as a throw, so one bad message cannot fail its batch. No top-level await: it fails
 * under tsx in workers.
 */
import { type PackedResults, type PrepareTask, packResults } from '../src/domain/pool-messages.js';
import { type PrepareResult, prepareEvent } from '../src/domain/prepare-event.js';

/** Prepares one batch; results are aligned by index with `task.payloads`. */
export function prepareBatch(task: PrepareTask): PrepareResult[] {
  return task.payloads.map((payload) => prepareEvent(payload, task.maxEventBytes, task.timeZone));
}

/** The piscina task: prepares a batch and packs the results for a cheap trip back. */
export default function runBatch(task: PrepareTask): PackedResults {
  return packResults(prepareBatch(task));
}
