import test from 'ava';
import { decodeMeta } from '../../src/domain/event-meta.js';
import { MAX_IDEMPOTENCY_KEY_CHARS, preparePublish } from '../../src/domain/publish-request.js';

const OPTIONS = { maxEventBytes: 65_536, timeZone: 'America/Santiago' };

test('a valid event becomes a store request with its tag, state patch and trimmed key', (t) => {
  const prepared = preparePublish(
    '{"event_type":"TOMAR","tag_spool":"S-1","worker_nombre":"MR(93)"}',
    {
      ...OPTIONS,
      idempotencyKey: '  k-1  ',
    },
  );
  if (!prepared.ok) return t.fail();
  t.is(prepared.request.tag, 'S-1');
  t.is(prepared.request.idempotencyKey, 'k-1');
  t.like(JSON.parse(prepared.request.patch), { status: 'occupied', worker_nombre: 'MR(93)' });
});

test('every problem of an invalid event is listed; a blank key means none', (t) => {
  t.like(preparePublish('{"tag_spool":5}', OPTIONS), {
    ok: false,
    problems: [{ reason: 'missing_field' }, { reason: 'wrong_type' }],
  });
  const prepared = preparePublish('{"event_type":"TOMAR","tag_spool":"S"}', {
    ...OPTIONS,
    idempotencyKey: ' ',
  });
  t.true(prepared.ok && prepared.request.idempotencyKey === undefined);
});

test('a key over the limit is refused after the event is validated', (t) => {
  const key = 'k'.repeat(MAX_IDEMPOTENCY_KEY_CHARS + 1);
  t.like(
    preparePublish('{"event_type":"TOMAR","tag_spool":"S"}', { ...OPTIONS, idempotencyKey: key }),
    {
      ok: false,
      keyProblem: `Idempotency-Key is longer than ${MAX_IDEMPOTENCY_KEY_CHARS} characters`,
    },
  );
});

test('the store request is the event prepared once: template, meta, tag and patch', (t) => {
  const raw = '{"event_type":"TOMAR","tag_spool":"S","estado_detalle":"ARM: En Progreso"}';
  const published = preparePublish(raw, OPTIONS);
  if (!published.ok) return t.fail('the fixture is valid');
  t.deepEqual(Object.keys(published.request).sort(), ['meta', 'patch', 'tag', 'template']);
  t.is(published.request.tag, 'S');
  // The producer's fields byte for byte, then the enrichment with a NUL gap for the id.
  t.is(
    published.request.template,
    '{"event_type":"TOMAR","tag_spool":"S","estado_detalle":"ARM: En Progreso",' +
      '"spoolcast":{"id":\u0000,"timestamp":null,"worker":null,"operation":"ARM","state":"En Progreso"}}',
  );
  t.deepEqual(JSON.parse(published.request.patch), {
    tag_spool: 'S',
    estado_detalle: 'ARM: En Progreso',
    since: null,
    operation: 'ARM',
    status: 'occupied',
    worker_nombre: null,
    worker: null,
  });
  t.deepEqual(decodeMeta(published.request.meta), {
    tag: 'S',
    type: 'TOMAR',
    operation: 'ARM',
    workerId: null,
    workerName: null,
  });
});
