import test from 'ava';
import { enrichSpoolEvent, fillEnrichmentTemplate } from '../../src/domain/enrich-spool-event.js';
import { decodeMeta } from '../../src/domain/event-meta.js';
import { type PrepareTask, unpackResults } from '../../src/domain/pool-messages.js';
import runBatch, { prepareBatch } from '../../workers/prepare.worker.js';

const ZONE = 'America/Santiago';
const VALID = '{"event_type":"TOMAR","tag_spool":"SPOOL-001","worker_nombre":"MR(93)"}';
const OTHER = '{"event_type":"PAUSAR","tag_spool":"SPOOL-002"}';
// Producer text with a line break and a line separator inside a string: the packed reply
// must carry it (in the template, the patch and the meta) without splitting an item.
const MULTILINE =
  '{"event_type":"STATE_CHANGE","tag_spool":"S-3","estado_detalle":"ARM\\nX: a\\u2028b","worker_nombre":"A\\nB"}';

const task = (payloads: string[]): PrepareTask => ({
  maxEventBytes: 65_536,
  timeZone: ZONE,
  payloads,
});

test('a batch comes back aligned by index: the prepared event or the reason it is refused', (t) => {
  const results = prepareBatch(task([VALID, 'not json', OTHER]));
  t.is(results.length, 3);
  t.like(results[0], {
    ok: true,
    prepared: { tag: 'SPOOL-001', meta: '["SPOOL-001","TOMAR",null,93,"MR(93)"]' },
  });
  t.deepEqual(results[1], { ok: false, reason: 'not_json', detail: 'event is not valid JSON' });
  t.like(results[2], {
    ok: true,
    prepared: { tag: 'SPOOL-002', meta: '["SPOOL-002","PAUSAR",null,null,null]' },
  });
  t.like(results, [{ ok: true }, { ok: false, reason: 'not_json' }, { ok: true }]);
});

test('the prepared template, filled with the id, is the whole outgoing event', (t) => {
  const [prepared] = prepareBatch(task([VALID]));
  if (!prepared?.ok) return t.fail('VALID is valid');
  t.is(
    fillEnrichmentTemplate(prepared.prepared.template, '7-3', 7),
    enrichSpoolEvent(JSON.parse(VALID), '7-3', 7, ZONE, VALID),
  );
  t.deepEqual(decodeMeta(prepared.prepared.meta), {
    tag: 'SPOOL-001',
    type: 'TOMAR',
    operation: null,
    workerId: 93,
    workerName: 'MR(93)',
  });
});

test('the packed reply unpacks to exactly the per-item results, producer line breaks included', (t) => {
  const payloads = [VALID, '{"event_type":"x"}', MULTILINE, 'nope', OTHER];
  t.deepEqual(unpackResults(runBatch(task(payloads))), prepareBatch(task(payloads)));
  t.deepEqual(unpackResults(runBatch(task(['nope']))), prepareBatch(task(['nope'])));
  t.deepEqual(unpackResults(runBatch(task([]))), []);
});
