import test from 'ava';
import { applyStatePatch, computeStatePatch } from '../../src/domain/spool-state.js';

const TZ = 'America/Santiago';
const fold = (events: Record<string, unknown>[]) => {
  let state: ReturnType<typeof applyStatePatch> | undefined;
  events.forEach((event, i) => {
    const patch = computeStatePatch(event as never, TZ);
    state = applyStatePatch(state, patch, `${1000 + i}-0`, 1000 + i);
  });
  return state;
};

test('TOMAR occupies the spool with its worker, operation and producer time', (t) => {
  t.like(
    fold([
      {
        event_type: 'TOMAR',
        tag_spool: 'S',
        worker_nombre: 'MR(93)',
        estado_detalle: 'ARM: En Progreso',
        timestamp: '27-11-2026 14:30:05',
      },
    ]),
    {
      status: 'occupied',
      worker_nombre: 'MR(93)',
      worker: { initials: 'MR', id: 93 },
      operation: 'ARM',
      since: '2026-11-27T14:30:05-03:00',
      last_event_id: '1000-0',
    },
  );
});

test('STATE_CHANGE updates the state text and keeps status and worker; since falls back to storage time', (t) => {
  const state = fold([
    {
      event_type: 'TOMAR',
      tag_spool: 'S',
      worker_nombre: 'MR(93)',
      estado_detalle: 'ARM: En Progreso',
    },
    { event_type: 'STATE_CHANGE', tag_spool: 'S', estado_detalle: 'ARM: 80 %' },
  ]);
  t.like(state, {
    status: 'occupied',
    worker_nombre: 'MR(93)',
    estado_detalle: 'ARM: 80 %',
    last_event_id: '1001-0',
  });
  t.is(state?.since, new Date(1001).toISOString());
});

test('PAUSAR pauses and COMPLETAR completes for its operation', (t) => {
  t.like(fold([{ event_type: 'PAUSAR', tag_spool: 'S', estado_detalle: 'SOLD: Pausa' }]), {
    status: 'paused',
    operation: 'SOLD',
  });
  t.like(
    fold([
      { event_type: 'TOMAR', tag_spool: 'S', estado_detalle: 'ARM: x' },
      { event_type: 'COMPLETAR', tag_spool: 'S', estado_detalle: 'SOLD: Completado' },
    ]),
    { status: 'completed', operation: 'SOLD', worker_nombre: null },
  );
});

test('an unknown type first seen leaves the status empty', (t) => {
  t.like(
    fold([{ event_type: 'COMPLETAR_METROLOGIA', tag_spool: 'S', estado_detalle: 'MET: OK' }]),
    {
      status: null,
      operation: 'MET',
      estado_detalle: 'MET: OK',
    },
  );
});
