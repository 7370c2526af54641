import test from 'ava';
import {
  listSpoolEventProblems,
  MAX_NESTING_DEPTH,
  parseSpoolEvent,
} from '../../src/domain/parse-spool-event.js';
import { PRODUCER_FIELDS, PRODUCER_MESSAGE } from '../fixtures/producer-message.js';

const MAX_EVENT_BYTES = 65_536;

/** A valid event with `changes` applied; a field set to undefined is left out. */
function eventText(changes: Record<string, unknown> = {}): string {
  return JSON.stringify({ event_type: 'TOMAR', tag_spool: 'SPOOL-001', ...changes });
}

function parse(raw: string) {
  return parseSpoolEvent(raw, MAX_EVENT_BYTES);
}

function nestedArrays(depth: number): string {
  return `${'['.repeat(depth)}${']'.repeat(depth)}`;
}

test('accepts the existing producer message as sent', (t) => {
  t.deepEqual(parse(PRODUCER_MESSAGE), {
    ok: true,
    event: PRODUCER_FIELDS,
  });
});

test('keeps extra fields as they are, including nested ones', (t) => {
  const result = parse(eventText({ operacion: 'ARM', extra: { metros: [1.5, null, 'x'] } }));
  t.like(result, { ok: true, event: { operacion: 'ARM', extra: { metros: [1.5, null, 'x'] } } });
});

test('accepts any upper-case event_type such as COMPLETAR_METROLOGIA', (t) => {
  t.like(parse(eventText({ event_type: 'COMPLETAR_METROLOGIA' })), { ok: true });
});

test('accepts an event of exactly maxEventBytes and rejects one byte more', (t) => {
  const raw = eventText({ padding: 'x'.repeat(100) });
  const size = Buffer.byteLength(raw);
  t.like(parseSpoolEvent(raw, size), { ok: true });
  t.like(parseSpoolEvent(raw, size - 1), { ok: false, reason: 'too_large' });
});

test('counts multibyte characters as UTF-8 bytes, not string length', (t) => {
  const raw = eventText({ operador: 'Muñoz' });
  t.like(parseSpoolEvent(raw, raw.length), { ok: false, reason: 'too_large' });
});

test('rejects text that is not JSON', (t) => {
  t.like(parse('{"event_type":"TOMAR",'), { ok: false, reason: 'not_json' });
});

test('rejects JSON arrays, null, strings and numbers as not objects', (t) => {
  for (const raw of ['[]', 'null', '"TOMAR"', '42']) {
    t.like(parse(raw), { ok: false, reason: 'not_object' }, raw);
  }
});

test('rejects a missing event_type', (t) => {
  t.deepEqual(parse(eventText({ event_type: undefined })), {
    ok: false,
    reason: 'missing_field',
    detail: 'event_type is required',
  });
});

test('rejects an event_type that is not a string', (t) => {
  t.like(parse(eventText({ event_type: 7 })), { ok: false, reason: 'wrong_type' });
});

test('rejects an event_type that is not an upper-case identifier', (t) => {
  for (const eventType of ['tomar', '1TOMAR', 'TOMAR-X', '', `A${'B'.repeat(40)}`]) {
    t.like(parse(eventText({ event_type: eventType })), { ok: false, reason: 'invalid_value' });
  }
});

test('rejects a missing tag_spool', (t) => {
  t.deepEqual(parse(eventText({ tag_spool: undefined })), {
    ok: false,
    reason: 'missing_field',
    detail: 'tag_spool is required',
  });
});

test('rejects a tag_spool that is not a string', (t) => {
  t.like(parse(eventText({ tag_spool: 1 })), { ok: false, reason: 'wrong_type' });
});

test('rejects an empty tag_spool', (t) => {
  t.like(parse(eventText({ tag_spool: '' })), { ok: false, reason: 'invalid_value' });
});

test('rejects a tag_spool with a C0, DEL or C1 control character', (t) => {
  for (const control of ['\u0000', '\n', '\u001f', '\u007f', '\u0085', '\u009f']) {
    const result = parse(eventText({ tag_spool: `SPOOL${control}001` }));
    t.like(result, { ok: false, reason: 'invalid_value' }, JSON.stringify(control));
  }
});

test('rejects a 65-character tag_spool', (t) => {
  t.like(parse(eventText({ tag_spool: 'S'.repeat(65) })), { ok: false, reason: 'invalid_value' });
});

test('counts tag_spool length in code points, so 64 emoji are accepted', (t) => {
  t.like(parse(eventText({ tag_spool: '🔩'.repeat(64) })), { ok: true });
});

test('accepts a null worker_nombre', (t) => {
  t.like(parse(eventText({ worker_nombre: null })), { ok: true, event: { worker_nombre: null } });
});

test('rejects a worker_nombre that is neither string nor null', (t) => {
  t.like(parse(eventText({ worker_nombre: 93 })), { ok: false, reason: 'wrong_type' });
});

test('rejects an estado_detalle that is not a string', (t) => {
  t.like(parse(eventText({ estado_detalle: null })), { ok: false, reason: 'wrong_type' });
});

test('rejects a timestamp that is not a string', (t) => {
  t.like(parse(eventText({ timestamp: 1764264605 })), { ok: false, reason: 'wrong_type' });
});

test('accepts an unreadable timestamp string', (t) => {
  t.like(parse(eventText({ timestamp: 'ayer' })), { ok: true, event: { timestamp: 'ayer' } });
});

test('rejects __proto__ nested in an array inside an object', (t) => {
  const raw = eventText().replace(/}$/, ',"extra":{"items":[1,{"__proto__":{"admin":true}}]}}');
  t.like(parse(raw), { ok: false, reason: 'forbidden_key' });
});

test('rejects constructor at depth', (t) => {
  const raw = eventText({ a: { b: { c: [{ d: { constructor: 1 } }] } } });
  t.like(parse(raw), { ok: false, reason: 'forbidden_key' });
});

test('rejects a top-level prototype key', (t) => {
  t.like(parse(eventText({ prototype: {} })), { ok: false, reason: 'forbidden_key' });
});

test('rejects a top-level spoolcast key', (t) => {
  t.like(parse(eventText({ spoolcast: { id: 'forged' } })), { ok: false, reason: 'reserved_key' });
});

test('allows a spoolcast key below the top level', (t) => {
  t.like(parse(eventText({ extra: { spoolcast: 1 } })), { ok: true });
});

test('accepts nesting of exactly MAX_NESTING_DEPTH levels', (t) => {
  const raw = eventText().replace(/}$/, `,"deep":${nestedArrays(MAX_NESTING_DEPTH - 1)}}`);
  t.like(parse(raw), { ok: true });
});

test('rejects nesting one level deeper than MAX_NESTING_DEPTH', (t) => {
  const raw = eventText().replace(/}$/, `,"deep":${nestedArrays(MAX_NESTING_DEPTH)}}`);
  t.like(parse(raw), { ok: false, reason: 'invalid_value' });
});

test('rejects 20,000 levels of nesting as a value, without a stack overflow', (t) => {
  const raw = eventText().replace(/}$/, `,"deep":${nestedArrays(20_000)}}`);
  t.like(parse(raw), { ok: false, reason: 'invalid_value' });
});

test('lists every problem in field order, the first being the one parse reports', (t) => {
  const raw = JSON.stringify({ tag_spool: '', worker_nombre: 1, spoolcast: true });
  const problems = listSpoolEventProblems(raw, MAX_EVENT_BYTES);
  t.deepEqual(
    problems.map((problem) => problem.reason),
    ['reserved_key', 'missing_field', 'invalid_value', 'wrong_type'],
  );
  t.like(parse(raw), { ok: false, ...problems[0] });
});

test('lists no problems for a valid event', (t) => {
  t.deepEqual(listSpoolEventProblems(PRODUCER_MESSAGE, MAX_EVENT_BYTES), []);
});

test('rejects a duplicate key, which other parsers would read as another event', (t) => {
  const raw = '{"event_type":"TOMAR","tag_spool":"S-1","event_type":"COMPLETAR"}';
  t.like(parse(raw), { ok: false, reason: 'duplicate_key' });
  t.like(listSpoolEventProblems(raw, MAX_EVENT_BYTES), [{ reason: 'duplicate_key' }]);
});

test('rejects a lone surrogate escape in a value, a key, a nested string or an array', (t) => {
  for (const extra of [
    '"worker_nombre":"MR\\ud800"',
    '"\\udc00":1',
    '"x":{"y":["a","\\udbff"]}',
    '"estado_detalle":"\\udfff\\ud800"',
  ]) {
    const raw = `{"event_type":"TOMAR","tag_spool":"S-1",${extra}}`;
    t.like(parse(raw), { ok: false, reason: 'invalid_unicode' }, extra);
  }
});

test('rejects a lone surrogate in a string that never was UTF-8', (t) => {
  t.like(parse(`{"event_type":"TOMAR","tag_spool":"S-1","w":"\ud800"}`), {
    ok: false,
    reason: 'invalid_unicode',
  });
});

test('accepts escaped and raw surrogate pairs (well-formed Unicode)', (t) => {
  t.like(parse('{"event_type":"TOMAR","tag_spool":"S-\\ud83d\\ude00","w":"😀"}'), {
    ok: true,
    event: { tag_spool: 'S-😀' },
  });
});
