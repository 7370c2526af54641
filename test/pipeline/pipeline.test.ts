import test from 'ava';
import { decodeMeta } from '../../src/domain/event-meta.js';
import type { PrepareResult } from '../../src/domain/prepare-event.js';
import { createPipeline, type PipelineInput } from '../../src/pipeline/pipeline.js';
import { createWorkerPool } from '../../src/pipeline/worker-pool.js';
import { spoolEvent, testWorkerFile } from '../helpers/gateway.js';
import { waitFor } from '../helpers/wait.js';

function pipelineOnRealPool(t: { teardown(fn: () => Promise<void>): void }, batchMax = 4) {
  const workerFile = testWorkerFile();
  const pool = createWorkerPool({
    threads: 2,
    taskTimeoutMs: 30_000,
    ...(workerFile ? { filename: workerFile } : {}),
  });
  t.teardown(() => pool.close());
  const prepared: [PipelineInput[], PrepareResult[]][] = [];
  const pipeline = createPipeline<PipelineInput>({
    pool,
    batchMax,
    maxEventBytes: 1024,
    timeZone: 'America/Santiago',
    onPrepared: (batch, results) => prepared.push([batch, results]),
  });
  return { pipeline, prepared };
}

test('messages come out prepared, in the order they went in, across many batches on two threads', async (t) => {
  const { pipeline, prepared } = pipelineOnRealPool(t);
  const messages = Array.from({ length: 50 }, (_, n) => ({ payload: spoolEvent(n) }));
  for (let i = 0; i < messages.length; i += 7) pipeline.prepare(messages.slice(i, i + 7));
  await waitFor(() => prepared.flatMap(([batch]) => batch).length === 50, {
    message: '50 prepared messages',
  });
  t.deepEqual(
    prepared.flatMap(([batch]) => batch),
    messages,
  );
  t.deepEqual(
    prepared.flatMap(([, results]) =>
      results.map((r) => (r.ok ? decodeMeta(r.prepared.meta)?.tag : null)),
    ),
    messages.map((_, n) => `SPOOL-${n}`),
  );
});

test('edge refusals keep their places without a pool pass; invalid messages say why', async (t) => {
  const { pipeline, prepared } = pipelineOnRealPool(t);
  pipeline.prepare([
    { payload: spoolEvent(1) },
    { payload: '', refused: { reason: 'invalid_unicode', detail: 'event is not valid UTF-8' } },
    { payload: '{"event_type":"TOMAR"}' },
    { payload: spoolEvent(2) },
  ]);
  pipeline.prepare([{ payload: '', refused: { reason: 'too_large', detail: 'big' } }]);
  await waitFor(() => prepared.length === 2, { message: 'two prepared batches' });
  t.like(
    prepared.flatMap(([, r]) => r),
    [
      { ok: true, prepared: { tag: 'SPOOL-1' } },
      { ok: false, reason: 'invalid_unicode' },
      { ok: false, reason: 'missing_field' },
      { ok: true, prepared: { tag: 'SPOOL-2' } },
      { ok: false, reason: 'too_large' },
    ],
  );
});
