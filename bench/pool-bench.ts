/**
 * Prepare (validate + enrich) throughput of the worker pool alone (no Redis, no HTTP), run
 * by the orchestrator pinned to the service's core. Builds the pool from the compiled
 * service (dist/src/pipeline/worker-pool.js, 1 thread) and keeps a few batches of realistic
 * events in flight. `--mode inline` is the side-by-side baseline: the same worker function
 * called on the main thread, no pool.
 *
 *   node --import tsx bench/pool-bench.ts --mode pool|inline [--seconds 3] [--batch 256]
 *
 * Prints one JSON line: { mode, events, seconds, eventsPerS, cpuPct }.
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { PrepareTask } from '../src/domain/pool-messages.js';
import type { PrepareResult } from '../src/domain/prepare-event.js';
import type * as WorkerPoolModule from '../src/pipeline/worker-pool.js';
import { makeEvent } from './lib/publisher.js';

const { values } = parseArgs({
  options: {
    mode: { type: 'string', default: 'pool' },
    seconds: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '1' },
    batch: { type: 'string', default: '256' },
    inflight: { type: 'string', default: '4' },
    threads: { type: 'string', default: '1' },
  },
});
const mode = values.mode === 'inline' ? 'inline' : 'pool';
const seconds = Number(values.seconds);
const warmupS = Number(values.warmup);
const batchSize = Number(values.batch);
const inflight = Number(values.inflight);
const threads = Number(values.threads);

const dist = new URL('../dist/', import.meta.url);

/** 32 distinct batches of realistic events, as the pipeline hands them over. */
function makeTasks(): PrepareTask[] {
  const tasks: PrepareTask[] = [];
  let seq = 0;
  for (let b = 0; b < 32; b++) {
    const payloads: string[] = [];
    for (let i = 0; i < batchSize; i++) {
      payloads.push(makeEvent(1, seq, seq * 1000));
      seq++;
    }
    tasks.push({ maxEventBytes: 65_536, timeZone: 'America/Santiago', payloads });
  }
  return tasks;
}

type Run = (task: PrepareTask) => Promise<PrepareResult[]>;

async function makeRunner(): Promise<{ run: Run; close: () => Promise<void> }> {
  if (mode === 'inline') {
    const worker = (await import(new URL('workers/prepare.worker.js', dist).href)) as {
      prepareBatch: (task: PrepareTask) => PrepareResult[];
    };
    return { run: async (task) => worker.prepareBatch(task), close: async () => undefined };
  }
  const { createWorkerPool } = (await import(
    new URL('src/pipeline/worker-pool.js', dist).href
  )) as typeof WorkerPoolModule;
  const pool = createWorkerPool({ threads, taskTimeoutMs: 10_000 });
  await pool.warm();
  return { run: (task) => pool.run(task), close: () => pool.close() };
}

/** Runs tasks with `inflight` outstanding until `ms` has passed; returns events processed. */
async function drive(run: Run, tasks: PrepareTask[], ms: number): Promise<number> {
  const deadline = performance.now() + ms;
  let events = 0;
  let next = 0;
  let failures = 0;
  const lane = async () => {
    while (performance.now() < deadline) {
      const task = tasks[next++ % tasks.length] as PrepareTask;
      const results = await run(task);
      for (const r of results) if (!r.ok) failures++;
      events += results.length;
    }
  };
  await Promise.all(Array.from({ length: mode === 'inline' ? 1 : inflight }, lane));
  if (failures > 0)
    throw new Error(`${failures} events were rejected: the bench events are invalid`);
  return events;
}

const runner = await makeRunner();
const tasks = makeTasks();
await drive(runner.run, tasks, warmupS * 1000);
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const events = await drive(runner.run, tasks, seconds * 1000);
const elapsedS = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
await runner.close();
process.stdout.write(
  `${JSON.stringify({
    mode,
    events,
    seconds: Math.round(elapsedS * 1000) / 1000,
    eventsPerS: Math.round(events / elapsedS),
    cpuPct: Math.round(((cpu.user + cpu.system) / 1e6 / elapsedS) * 1000) / 10,
  })}\n`,
);
