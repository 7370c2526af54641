import test from 'ava';
import { filterFromQuery } from '../../src/client/stream-query.js';
import { pickLang, TEXTS } from '../../src/dashboard/i18n.js';
import { describeFilter, groupRows, operationsOf } from '../../src/dashboard/view-model.js';
import type { SpoolState } from '../../src/domain/spool-state.js';

const row = (tag: string, status: SpoolState['status'], operation: string | null): SpoolState => ({
  tag_spool: tag,
  status,
  worker_nombre: null,
  worker: null,
  operation,
  estado_detalle: null,
  since: '2026-11-27T17:30:05.123Z',
  last_event_id: '1-0',
});
const rows = new Map(
  [
    row('B-2', 'occupied', 'ARM'),
    row('A-1', 'occupied', 'SOLD'),
    row('C-3', null, 'ARM'),
    row('D-4', 'completed', null),
  ].map((r) => [r.tag_spool, r]),
);

test('rows go to their group sorted by tag; a spool with no status is available', (t) => {
  const groups = groupRows(rows, { operation: '', search: '' });
  t.deepEqual(
    groups.occupied.map((r) => r.tag_spool),
    ['A-1', 'B-2'],
  );
  t.deepEqual(
    groups.available.map((r) => r.tag_spool),
    ['C-3'],
  );
  t.deepEqual(groups.paused, []);
});

test('filters by operation and by a case-insensitive part of the tag', (t) => {
  const byOperation = groupRows(rows, { operation: 'ARM', search: '' });
  t.deepEqual(
    [...byOperation.occupied, ...byOperation.available].map((r) => r.tag_spool),
    ['B-2', 'C-3'],
  );
  t.deepEqual(
    groupRows(rows, { operation: '', search: ' a-' }).occupied.map((r) => r.tag_spool),
    ['A-1'],
  );
  t.deepEqual(operationsOf(rows), ['ARM', 'SOLD']);
});

test('Spanish unless English is asked for or saved', (t) => {
  t.is(pickLang('', null), 'es');
  t.is(pickLang('?lang=en', 'es'), 'en');
  t.is(pickLang('', 'en'), 'en');
  t.is(pickLang('?lang=fr', 'fr'), 'es');
});

test('the dashboard lists spools in the order the gateway snapshots them, whatever case or accents', async (t) => {
  const { createMemoryBus } = await import('../../src/bus/memory-bus.js');
  const { storeRequest } = await import('../helpers/gateway.js');
  const tags = ['b-1', 'B-2', 'á-3', 'a-4', 'Z-5', 'É-6'];
  const bus = createMemoryBus({ historySize: 100 });
  for (const tag of tags) {
    await bus.store.store(storeRequest(JSON.stringify({ event_type: 'TOMAR', tag_spool: tag })));
  }
  const snapshot = await bus.feed.snapshot();
  const served = snapshot?.spools.map((s) => s.tag_spool) ?? [];
  const shown = groupRows(new Map(snapshot?.spools.map((s) => [s.tag_spool, s])), {
    operation: '',
    search: '',
  }).occupied.map((r) => r.tag_spool);
  t.deepEqual(shown, served);
  t.deepEqual(served, ['B-2', 'Z-5', 'a-4', 'b-1', 'É-6', 'á-3'], 'by code unit, not locale');
});

test("the page's URL filter is said in the page's language; none says nothing", (t) => {
  const filter = filterFromQuery('?operation=ARM&worker=93&worker=12&lang=en');
  t.is(describeFilter(filter, TEXTS.es), 'Solo operación ARM · trabajador 93, 12');
  t.is(describeFilter(filter, TEXTS.en), 'Only operation ARM · worker 93, 12');
  t.is(describeFilter(filterFromQuery('?lang=en'), TEXTS.en), null);
});
