import test from 'ava';
import { readRecentEvents, recentReadStarts } from '../../src/client/recent-events.js';
import type { SpoolRows, SpoolState } from '../../src/client/spool-store.js';
import { encodeOffset } from '../../src/domain/stream-offset.js';
import { fakeHttp } from './fake-http.js';
import { flush, update } from './fakes.js';

const EPOCH = '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
const STREAMS = 'http://gw.test/api/streams/spools';
const rowsWithLastIds = (ids: string[]): SpoolRows =>
  new Map(ids.map((id, n) => [`S-${n}`, { tag_spool: `S-${n}`, last_event_id: id } as SpoolState]));
const events = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => update(`${from + i}-0`, 'TOMAR', 'S-1'));

test('a read starts after the (count + 1)-th newest row, else from the oldest event', (t) => {
  const rows = rowsWithLastIds(['3-0', '10-0', '7-0', '12-0', '9-0']);
  t.deepEqual(recentReadStarts(rows, 2), ['9-0', null]);
  t.deepEqual(recentReadStarts(rows, 5), [null]);
});

test('the newest events come from the read after the row bound, paged to the tail', async (t) => {
  const http = fakeHttp();
  const view = { epoch: EPOCH, spools: rowsWithLastIds(['3-0', '10-0', '12-0']) };
  const read = readRecentEvents('http://gw.test/api/sse/stream', view, {
    count: 2,
    http: http.client,
    filter: { tag_prefix: ['S-'] },
  });
  await flush();
  t.is(http.pending().url, `${STREAMS}?tag_prefix=S-&offset=${encodeOffset(EPOCH, '3-0')}`);
  http.pending().answer(200, events(4, 8), { 'Stream-Next-Offset': encodeOffset(EPOCH, '8-0') });
  await flush();
  t.is(http.pending().url, `${STREAMS}?tag_prefix=S-&offset=${encodeOffset(EPOCH, '8-0')}`);
  http.pending().answer(200, events(9, 12), { 'Stream-Up-To-Date': 'true' });
  t.deepEqual(
    (await read).map((e) => e.spoolcast.id),
    ['11-0', '12-0'],
  );
});

test('too few events after the bound (a filter the rows do not follow): the whole log is read', async (t) => {
  const http = fakeHttp();
  const view = { epoch: EPOCH, spools: rowsWithLastIds(['3-0', '10-0', '12-0']) };
  const read = readRecentEvents('/api/sse/stream', view, { count: 2, http: http.client });
  await flush();
  http.pending().answer(200, events(12, 12), { 'Stream-Up-To-Date': 'true' });
  await flush();
  t.regex(http.pending().url, /\/api\/streams\/spools\?offset=-1$/);
  http.pending().answer(200, events(1, 2), { 'Stream-Up-To-Date': 'true' });
  t.deepEqual(
    (await read).map((e) => e.spoolcast.id),
    ['1-0', '2-0'],
  );
});
