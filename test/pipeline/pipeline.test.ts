import test from 'ava';
import type { ItemResult } from '../../src/domain/batch.js';
import { createPipeline, type PlainInput, type StoredInput } from '../../src/pipeline/pipeline.js';
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
  const enriched: [StoredInput[], ItemResult[]][] = [];
  const checked: [PlainInput[], ItemResult[]][] = [];
  const counts = { pool: 0, checkPass: 0 };
  const pipeline = createPipeline<StoredInput, PlainInput>({
    pool,
    batchMax,
    maxEventBytes: 1024,
    timeZone: 'America/Santiago',
    onEnriched: (batch, results) => enriched.push([batch, results]),
    onChecked: (batch, results) => checked.push([batch, results]),
    templateMaxAgeMs: 60_000,
    onEnrichedWhere: (where, count) => {
      if (where === 'pool') counts.pool += count;
      else counts.checkPass += count;
    },
  });
  return { pipeline, enriched, checked, counts };
}

test('stored events come out enriched, in the order they went in, across many batches on two threads', async (t) => {
  const { pipeline, enriched } = pipelineOnRealPool(t);
  const events = Array.from({ length: 50 }, (_, n) => ({
    id: `${1000 + n}-0`,
    storedAtMs: 1000 + n,
    payload: spoolEvent(n),
  }));
  for (let i = 0; i < events.length; i += 7) pipeline.enrich(events.slice(i, i + 7));
  await waitFor(() => enriched.flatMap(([batch]) => batch).length === 50, {
    message: '50 enriched events',
  });
  const results = enriched.flatMap(([, r]) => r);
  t.deepEqual(
    results.map((r) => (r.ok ? JSON.parse(r.data).n : null)),
    [...Array(50).keys()],
  );
  t.deepEqual(
    enriched.flatMap(([batch]) => batch),
    events,
  );
});

test('plain messages come out checked in order, edge refusals in their places without a pool pass', async (t) => {
  const { pipeline, checked } = pipelineOnRealPool(t);
  pipeline.check([
    { payload: spoolEvent(1) },
    { payload: '', refused: { reason: 'invalid_unicode', detail: 'event is not valid UTF-8' } },
    { payload: '{"event_type":"TOMAR"}' },
    { payload: spoolEvent(2) },
  ]);
  pipeline.check([{ payload: '', refused: { reason: 'too_large', detail: 'big' } }]);
  await waitFor(() => checked.length === 2, {
    message: 'two checked batches',
  });
  t.like(
    checked.flatMap(([, r]) => r),
    [
      { ok: true, tag: 'SPOOL-1' },
      { ok: false, reason: 'invalid_unicode' },
      { ok: false, reason: 'missing_field' },
      { ok: true, tag: 'SPOOL-2' },
      { ok: false, reason: 'too_large' },
    ],
  );
});

test('enrichNow answers a catch-up read directly, aligned with its events', async (t) => {
  const { pipeline, enriched } = pipelineOnRealPool(t, 2);
  const results = await pipeline.enrichNow([
    { id: '5-0', storedAtMs: 5, payload: spoolEvent(5) },
    { id: '6-0', storedAtMs: 6, payload: 'nope' },
    { id: '7-0', storedAtMs: 7, payload: spoolEvent(7) },
  ]);
  t.like(results, [{ ok: true }, { ok: false, reason: 'not_json' }, { ok: true }]);
  t.deepEqual(enriched, [], 'not part of the live order');
});

test('a plain message this gateway checked is finished from its template on arrival: no second pool pass, same bytes', async (t) => {
  const { pipeline, enriched, checked, counts } = pipelineOnRealPool(t);
  const payload = spoolEvent(3, { note: 'a\u2028b' });
  pipeline.check([{ payload }, { payload }]);
  await waitFor(() => checked.length === 1, { message: 'the check' });
  const stored = [
    { id: '10-0', storedAtMs: 10, payload },
    { id: '10-1', storedAtMs: 10, payload },
    { id: '11-0', storedAtMs: 11, payload: spoolEvent(4) },
  ];
  pipeline.enrich(stored);
  await waitFor(() => enriched.length === 1, { message: 'the enriched batch' });
  t.deepEqual(counts, { checkPass: 2, pool: 1 });
  const reference = await pipeline.enrichNow(stored);
  t.deepEqual(
    enriched[0]?.[1].map((r) => r.ok && r.data),
    reference.map((r) => r.ok && r.data),
  );
});
