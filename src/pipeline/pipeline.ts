/**
 * The write side's transform: producer messages in, prepared events (or reject reasons)
 * out, in the order the messages came in, whatever order the pool threads finish in. It
 * knows the pure core and the worker pool and nothing else. Nothing here throws for bad
 * data.
 */
import type { PrepareResult } from '../domain/prepare-event.js';
import type { RejectReason } from '../domain/spool-event.js';
import { createSequencer } from './sequencer.js';
import type { WorkerPool } from './worker-pool.js';

/** A producer message to prepare. */
export interface PipelineInput {
  payload: string;
  /** Refused at the edge (too large, not UTF-8): it never reaches the pool. */
  refused?: { reason: RejectReason; detail: string };
}

/** Pipeline settings and where its results go. */
export interface PipelineOptions<M extends PipelineInput> {
  pool: WorkerPool;
  /** Most messages in one pool task (POOL_BATCH_MAX). */
  batchMax: number;
  maxEventBytes: number;
  /** The plant's IANA zone, for producer timestamps. */
  timeZone: string;
  /** Results aligned with `batch`, released in the order the batches were given. */
  onPrepared(batch: M[], results: PrepareResult[]): void;
}

/** The running transform. */
export interface Pipeline<M extends PipelineInput> {
  /** Prepares messages; results reach `onPrepared` in the order given. */
  prepare(messages: M[]): void;
}

function chunk<T>(items: T[], size: number): T[][] {
  if (items.length <= size) return [items];
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Creates the transform around a pool. */
export function createPipeline<M extends PipelineInput>(options: PipelineOptions<M>): Pipeline<M> {
  const { pool, maxEventBytes, timeZone } = options;
  const prepared = createSequencer<[M[], PrepareResult[]]>(([batch, results]) =>
    options.onPrepared(batch, results),
  );
  return {
    prepare(messages) {
      for (const batch of chunk(messages, options.batchMax)) {
        const ticket = prepared.reserve();
        const toPrepare = batch.filter((m) => !m.refused);
        const running =
          toPrepare.length === 0
            ? Promise.resolve([])
            : pool.run({ maxEventBytes, timeZone, payloads: toPrepare.map((m) => m.payload) });
        void running.then((results) => {
          // Put the edge refusals back in their places, so results align with the batch.
          let next = 0;
          const aligned = batch.map((m): PrepareResult => {
            if (m.refused) return { ok: false, ...m.refused };
            return results[next++] as PrepareResult;
          });
          prepared.complete(ticket, [batch, aligned]);
        });
      }
    },
  };
}
