/**
 * The piscina pool that validates and enriches batches. Bad data never throws (the worker
 * returns values); this wrapper handles the other failures: a worker that crashes or hangs
 * past the task deadline. The batch is split and retried, so one poison message ends up
 * alone and is dead-lettered while every other message in its batch goes through.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { type PackedResults, type PrepareTask, unpackResults } from '../domain/pool-messages.js';
import type { PrepareResult } from '../domain/prepare-event.js';
import { PoolTaskError } from '../errors.js';
import { HandOverGate } from './hand-over-gate.js';

/** Pool settings (from config). */
export interface WorkerPoolOptions {
  threads: number;
  taskTimeoutMs: number;
  /** Attempts for a single message before it is dead-lettered as `worker_failure`. */
  maxAttempts?: number;
  /** Worker entry; defaults to workers/prepare.worker (.js compiled, .ts under tsx). */
  filename?: string;
  onTaskDone?: (seconds: number) => void;
  onTaskFailed?: (kind: 'crash' | 'timeout') => void;
  onQueueChange?: (depth: number) => void;
}

/** Runs batches on worker threads; `run` never rejects. */
export interface WorkerPool {
  run(task: PrepareTask): Promise<PrepareResult[]>;
  /** Runs one tiny task so the first real batch does not pay the thread start-up. */
  warm(): Promise<void>;
  readonly queueDepth: number;
  /** Lets the tasks in flight finish (up to the task timeout), then ends the threads. */
  close(): Promise<void>;
}

/** Finds the worker next to this module: compiled `.js` in dist, `.ts` when run by tsx. */
export function defaultWorkerFile(): string {
  const here = new URL('../../workers/prepare.worker', import.meta.url);
  const compiled = fileURLToPath(`${here.href}.js`);
  return existsSync(compiled) ? compiled : fileURLToPath(`${here.href}.ts`);
}

/**
 * Creates the pool. At most two tasks per thread are handed to piscina; the rest wait in
 * our own queue (hand-over-gate.ts), so the task deadline measures (at most) one task's
 * wait plus its run.
 */
export function createWorkerPool(options: WorkerPoolOptions): WorkerPool {
  const filename = options.filename ?? defaultWorkerFile();
  const maxAttempts = options.maxAttempts ?? 2;
  const piscina = new Piscina({
    filename,
    minThreads: options.threads,
    maxThreads: options.threads,
    // A .ts worker needs the tsx loader; compiled .js does not.
    execArgv: filename.endsWith('.ts') ? ['--import', 'tsx'] : [],
  });
  const gate = new HandOverGate(options.threads, options.onQueueChange);
  let isClosing = false;

  const attempt = async (
    task: PrepareTask,
    timeoutMs = options.taskTimeoutMs,
  ): Promise<PrepareResult[] | 'crash' | 'timeout'> => {
    await gate.acquire();
    const started = performance.now();
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      const packed = (await piscina.run(task, { signal })) as PackedResults;
      options.onTaskDone?.((performance.now() - started) / 1000);
      return unpackResults(packed);
    } catch {
      // An aborted task terminates its thread (piscina replaces it); anything else here is a
      // thread that died under the task (or the pool closing at shutdown).
      const kind = signal.aborted ? 'timeout' : 'crash';
      if (isClosing) return kind;
      gate.beCarefulFor(Math.max(30_000, timeoutMs * 2));
      options.onTaskFailed?.(kind);
      return kind;
    } finally {
      gate.release();
    }
  };

  const runSplitting = async (
    task: PrepareTask,
    attemptsSoFar: number,
  ): Promise<PrepareResult[]> => {
    const outcome = await attempt(task);
    if (typeof outcome !== 'string') return outcome;
    if (isClosing) {
      // Shutting down: no retries (the events are stored; clients resume elsewhere).
      return task.payloads.map(
        () => ({ ok: false, reason: 'worker_failure', detail: 'pool closed' }) as const,
      );
    }
    if (task.payloads.length <= 1) {
      if (task.payloads.length === 0) return [];
      if (attemptsSoFar + 1 < maxAttempts) return runSplitting(task, attemptsSoFar + 1);
      return [
        {
          ok: false,
          reason: 'worker_failure',
          detail: `worker ${outcome === 'timeout' ? 'timed out' : 'crashed'} on this message ${maxAttempts} times`,
        },
      ];
    }
    const middle = Math.ceil(task.payloads.length / 2);
    const [left, right] = await Promise.all([
      runSplitting({ ...task, payloads: task.payloads.slice(0, middle) }, 0),
      runSplitting({ ...task, payloads: task.payloads.slice(middle) }, 0),
    ]);
    return [...left, ...right];
  };

  // Tasks accepted and not yet answered (running, handed over or waiting here), so close()
  // can let them finish.
  let pending = 0;
  let onIdle: (() => void) | null = null;
  const track = async (task: PrepareTask) => {
    pending += 1;
    try {
      return await runSplitting(task, 0);
    } finally {
      pending -= 1;
      if (pending === 0) onIdle?.();
    }
  };

  return {
    run: track,
    async warm() {
      // One empty task per thread, with a generous deadline: a cold thread may need seconds
      // to load its modules, which is not the hang the task deadline is for.
      const empty: PrepareTask = { maxEventBytes: 1, timeZone: 'UTC', payloads: [] };
      const warmTimeoutMs = Math.max(options.taskTimeoutMs, 60_000);
      const outcomes = await Promise.all(
        Array.from({ length: options.threads }, () => attempt(empty, warmTimeoutMs)),
      );
      // A worker that cannot even start would dead-letter every event: refuse to be ready.
      const failed = outcomes.find((outcome) => typeof outcome === 'string');
      if (failed)
        throw new PoolTaskError(`worker pool failed to start (${failed}) using ${filename}`);
    },
    get queueDepth() {
      return gate.queued;
    },
    close: async () => {
      // Let every task already accepted finish (their events are stored: the results still
      // go out), but never hang shutdown on a worker that does not answer: one task
      // deadline, then the threads are ended and what is left reports 'pool closed'.
      let timer: NodeJS.Timeout | undefined;
      const idle = new Promise<void>((resolve) => {
        onIdle = resolve;
        if (pending === 0) resolve();
        timer = setTimeout(resolve, options.taskTimeoutMs + 1000);
      });
      await idle;
      clearTimeout(timer);
      isClosing = true;
      await piscina.destroy();
    },
  };
}
