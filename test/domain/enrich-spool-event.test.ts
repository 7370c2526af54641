import test from 'ava';
import {
  enrichSpoolEvent,
  isoOfMs,
  splitEstado,
  splitWorker,
} from '../../src/domain/enrich-spool-event.js';
import { parseSpoolEvent } from '../../src/domain/parse-spool-event.js';
import type { SpoolEvent } from '../../src/domain/spool-event.js';
import { PRODUCER_FIELDS, PRODUCER_MESSAGE } from '../fixtures/producer-message.js';

const ID = '1764264605123-0';
const STORED_AT_MS = 1_764_264_605_123;

function parsed(raw: string): SpoolEvent {
  const result = parseSpoolEvent(raw, 65_536);
  if (!result.ok) throw new Error(`fixture rejected: ${result.detail}`);
  return result.event;
}

function enrich(event: Record<string, unknown>): Record<string, unknown> {
  const raw = JSON.stringify({ event_type: 'TOMAR', tag_spool: 'SPOOL-001', ...event });
  return JSON.parse(enrichSpoolEvent(parsed(raw), ID, STORED_AT_MS, 'America/Santiago'));
}

test('enriches the producer message into the exact outgoing object', (t) => {
  const output = enrichSpoolEvent(parsed(PRODUCER_MESSAGE), ID, STORED_AT_MS, 'America/Santiago');
  t.deepEqual(JSON.parse(output), {
    ...PRODUCER_FIELDS,
    spoolcast: {
      id: '1764264605123-0',
      received_at: '2025-11-27T17:30:05.123Z',
      timestamp: '2026-11-27T14:30:05-03:00',
      worker: { initials: 'MR', id: 93 },
      operation: 'ARM',
      state: 'En Progreso',
    },
  });
});

test('puts the producer fields first, in their order, then spoolcast', (t) => {
  const output = enrichSpoolEvent(parsed(PRODUCER_MESSAGE), ID, STORED_AT_MS, 'America/Santiago');
  t.deepEqual(Object.keys(JSON.parse(output)), [
    'event_type',
    'tag_spool',
    'worker_nombre',
    'estado_detalle',
    'timestamp',
    'operacion',
    'spoolcast',
  ]);
});

test('keeps unusual worker, estado and timestamp as sent and leaves their splits null', (t) => {
  const fields = { worker_nombre: 'Juan Pérez', estado_detalle: 'Pendiente', timestamp: 'ayer' };
  const output = enrich(fields);
  t.like(output, fields);
  t.like(output, { spoolcast: { worker: null, operation: null, state: null, timestamp: null } });
});

test('gives null enrichment when the optional fields are absent', (t) => {
  t.like(enrich({}), {
    spoolcast: { worker: null, operation: null, state: null, timestamp: null },
  });
});

test('splits INITIALS(ID), accented initials included', (t) => {
  t.deepEqual(splitWorker('MR(93)'), { initials: 'MR', id: 93 });
  t.deepEqual(splitWorker('JÑ(7)'), { initials: 'JÑ', id: 7 });
});

test('does not split worker names of another shape', (t) => {
  for (const name of ['MR 93', 'MR(93) ', '(93)', 'MR()', 'MR(1234567890)', 'M1(93)', null, 93]) {
    t.is(splitWorker(name), null, String(name));
  }
});

test('splits estado_detalle at the first ": "', (t) => {
  t.deepEqual(splitEstado('ARM: En Progreso'), { operation: 'ARM', state: 'En Progreso' });
  t.deepEqual(splitEstado('SOLD: Pausado: falta gas'), {
    operation: 'SOLD',
    state: 'Pausado: falta gas',
  });
});

test('does not split estado_detalle without ": " or with an empty side', (t) => {
  for (const estado of ['Pendiente', 'ARM:En Progreso', ': En Progreso', 'ARM: ', null]) {
    t.deepEqual(splitEstado(estado), { operation: null, state: null }, String(estado));
  }
});

test('isoOfMs matches toISOString across days, years and edge milliseconds', (t) => {
  const samples = [
    0, 1, 999, 86_399_999, 86_400_000, 1764264605123, 1795806457795, -1, -86_400_001,
    951_782_400_000,
  ];
  for (let ms = 1764201600000; ms < 1764201600000 + 3 * 86_400_000; ms += 3_599_999)
    samples.push(ms);
  for (const ms of samples) t.is(isoOfMs(ms), new Date(ms).toISOString(), String(ms));
});

test('the spoolcast object is written exactly as JSON.stringify would write it, escaping included', (t) => {
  const raw = JSON.stringify({
    event_type: 'TOMAR',
    tag_spool: 'S-1',
    worker_nombre: 'MR(93)',
    estado_detalle: 'A"R\\M: línea "x"',
  });
  const output = enrichSpoolEvent(parsed(raw), ID, STORED_AT_MS, 'America/Santiago', raw);
  const expected = {
    id: ID,
    received_at: new Date(STORED_AT_MS).toISOString(),
    timestamp: null,
    worker: { initials: 'MR', id: 93 },
    operation: 'A"R\\M',
    state: 'línea "x"',
  };
  t.is(output, `${raw.slice(0, -1)},"spoolcast":${JSON.stringify(expected)}}`);
});

test('the producer text is kept byte for byte, including numbers JSON.parse would round', (t) => {
  const raw = '{"event_type":"TOMAR","tag_spool":"S-1","big":12345678901234567890,"x":1.0}';
  const parsed = parseSpoolEvent(raw, 65_536);
  if (!parsed.ok) return t.fail(parsed.detail);
  const out = enrichSpoolEvent(parsed.event, '1-0', 0, 'America/Santiago', raw);
  t.true(
    out.startsWith(
      '{"event_type":"TOMAR","tag_spool":"S-1","big":12345678901234567890,"x":1.0,"spoolcast":{',
    ),
  );
});

test('a pretty-printed producer text is serialised again onto one line', (t) => {
  const raw = '{\n  "event_type": "TOMAR",\n  "tag_spool": "S-1"\n}\n';
  const parsed = parseSpoolEvent(raw, 65_536);
  if (!parsed.ok) return t.fail(parsed.detail);
  const out = enrichSpoolEvent(parsed.event, '1-0', 0, 'America/Santiago', raw);
  t.false(out.includes('\n'));
  t.like(JSON.parse(out), { event_type: 'TOMAR', tag_spool: 'S-1', spoolcast: { id: '1-0' } });
});

test('escapes U+2028, U+2029 and U+0085 in the output on both serialisation paths', (t) => {
  const raw = '{"event_type":"TOMAR","tag_spool":"S-1","note":"a\u2028b\u2029c\u0085"}';
  const event = JSON.parse(raw);
  for (const json of [
    enrichSpoolEvent(event, '5-0', 0, 'America/Santiago', raw),
    enrichSpoolEvent(event, '5-0', 0, 'America/Santiago'),
  ]) {
    t.false(/[\u2028\u2029\u0085]/.test(json));
    t.is(JSON.parse(json).note, 'a\u2028b\u2029c\u0085');
  }
});
