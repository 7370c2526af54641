import test from 'ava';
import { applySpoolUpdate, type SpoolRows, sortedRows } from '../../src/client/spool-store.js';
import { enrichSpoolEvent } from '../../src/domain/enrich-spool-event.js';
import type { SpoolEvent } from '../../src/domain/spool-event.js';
import {
  applyStatePatch,
  computeStatePatch,
  type SpoolState,
} from '../../src/domain/spool-state.js';

const ZONE = 'America/Santiago';
const EVENTS: SpoolEvent[] = [
  {
    event_type: 'TOMAR',
    tag_spool: 'S-1',
    worker_nombre: 'MR(93)',
    estado_detalle: 'ARM: En Progreso',
    timestamp: '27-11-2026 14:30:05',
  },
  { event_type: 'STATE_CHANGE', tag_spool: 'S-1', estado_detalle: 'ARM: 50 %' },
  {
    event_type: 'PAUSAR',
    tag_spool: 'S-2',
    worker_nombre: 'JP(12)',
    estado_detalle: 'SOLD: Pausado',
  },
  { event_type: 'COMPLETAR', tag_spool: 'S-1', worker_nombre: null, estado_detalle: 'sin formato' },
  { event_type: 'COMPLETAR_METROLOGIA', tag_spool: 'S-3', timestamp: 'no es hora' },
];

test("the browser's fold of spool_update frames gives the gateway's snapshot rows", (t) => {
  const server = new Map<string, SpoolState>();
  let client: SpoolRows = new Map();
  EVENTS.forEach((event, i) => {
    const id = `${1_796_000_000_000 + i}-0`;
    const storedAtMs = 1_796_000_000_000 + i;
    const patch = computeStatePatch(event, ZONE);
    server.set(
      event.tag_spool,
      applyStatePatch(server.get(event.tag_spool), patch, id, storedAtMs),
    );
    client = applySpoolUpdate(client, JSON.parse(enrichSpoolEvent(event, id, storedAtMs, ZONE)));
  });
  t.deepEqual(sortedRows(client), sortedRows(server));
  t.like(client.get('S-1'), { status: 'completed', worker_nombre: null, operation: null });
});

test('the client sorts rows as the gateway does, whatever case or accents', (t) => {
  const tags = ['b-1', 'B-2', 'á-3', 'a-4'];
  const rows = new Map(tags.map((tag) => [tag, { tag_spool: tag } as SpoolState]));
  t.deepEqual(
    sortedRows(rows).map((r) => r.tag_spool),
    ['B-2', 'a-4', 'b-1', 'á-3'],
  );
});
