import test from 'ava';
import { type BatchTask, unpackResults } from '../../src/domain/batch.js';
import { enrichmentTemplate, fillEnrichmentTemplate } from '../../src/domain/enrich-spool-event.js';
import { computeStatePatch } from '../../src/domain/spool-state.js';
import runBatch, { processBatch } from '../../workers/pipeline.worker.js';

const VALID = '{"event_type":"TOMAR","tag_spool":"SPOOL-001","worker_nombre":"MR(93)"}';
const OTHER = '{"event_type":"PAUSAR","tag_spool":"SPOOL-002"}';

function task(mode: BatchTask['mode'], items: BatchTask['items']): BatchTask {
  return { mode, maxEventBytes: 65_536, timeZone: 'America/Santiago', items };
}

test('check mode returns results aligned by index with the state patch and the enrichment template', (t) => {
  const results = processBatch(
    task('check', [{ payload: VALID }, { payload: 'not json' }, { payload: OTHER }]),
  );
  const patchOf = (payload: string) =>
    JSON.stringify(computeStatePatch(JSON.parse(payload), 'America/Santiago'));
  const templateOf = (payload: string) =>
    enrichmentTemplate(JSON.parse(payload), 'America/Santiago', payload);
  t.deepEqual(results, [
    { ok: true, data: templateOf(VALID), tag: 'SPOOL-001', patch: patchOf(VALID) },
    { ok: false, reason: 'not_json', detail: 'event is not valid JSON' },
    { ok: true, data: templateOf(OTHER), tag: 'SPOOL-002', patch: patchOf(OTHER) },
  ]);
});

test('a check-mode template filled with the id gives exactly the enrich-mode output', (t) => {
  const [checked] = processBatch(task('check', [{ payload: VALID }]));
  const [enriched] = processBatch(task('enrich', [{ payload: VALID, id: '7-3', storedAtMs: 7 }]));
  if (!checked?.ok || !enriched?.ok) return t.fail();
  t.is(fillEnrichmentTemplate(checked.data, '7-3', 7), enriched.data);
});

test('enrich mode returns the outgoing JSON with its id, aligned by index', (t) => {
  const results = processBatch(
    task('enrich', [
      { payload: VALID, id: '1-0', storedAtMs: 1000 },
      { payload: '[]', id: '1-1', storedAtMs: 1000 },
      { payload: OTHER, id: '1-2', storedAtMs: 1000 },
    ]),
  );
  t.like(results, [
    { ok: true, tag: 'SPOOL-001' },
    { ok: false, reason: 'not_object' },
    { ok: true, tag: 'SPOOL-002' },
  ]);
  const first = results[0];
  t.true(first?.ok);
  if (first?.ok) {
    t.like(JSON.parse(first.data), { tag_spool: 'SPOOL-001', spoolcast: { id: '1-0' } });
  }
});

test('enrich mode reports an item without id or storedAtMs instead of throwing', (t) => {
  const results = processBatch(
    task('enrich', [
      { payload: VALID, storedAtMs: 1000 },
      { payload: VALID, id: '1-1' },
      { payload: VALID, id: '1-2', storedAtMs: Number.NaN },
    ]),
  );
  t.like(results, [
    { ok: false, reason: 'invalid_value' },
    { ok: false, reason: 'invalid_value' },
    { ok: false, reason: 'invalid_value' },
  ]);
});

test('the packed reply unpacks to exactly the per-item results, in both modes', (t) => {
  const items = [
    { payload: VALID, id: '1-0', storedAtMs: 1000 },
    { payload: '{"event_type":"x"}', id: '1-1', storedAtMs: 1000 },
    { payload: OTHER, id: '1-2', storedAtMs: 1000 },
    { payload: 'nope', id: '1-3', storedAtMs: 1000 },
  ];
  for (const mode of ['check', 'enrich'] as const) {
    t.deepEqual(unpackResults(runBatch(task(mode, items))), processBatch(task(mode, items)), mode);
  }
  t.deepEqual(
    unpackResults(runBatch(task('enrich', [{ payload: 'nope' }]))),
    processBatch(task('enrich', [{ payload: 'nope' }])),
  );
  t.deepEqual(unpackResults(runBatch(task('check', []))), []);
});
