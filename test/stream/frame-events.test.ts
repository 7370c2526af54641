import test from 'ava';
import { dataOf, frameEvents } from '../../src/stream/frame-events.js';
import { storedEvent } from '../helpers/stored-events.js';

test('a stored event is framed once: its id, the finished JSON, and its meta beside the bytes', (t) => {
  const { framed, malformed } = frameEvents([
    storedEvent('5-0', '{"event_type":"TOMAR","tag_spool":"S-1","estado_detalle":"ARM: x"}'),
  ]);
  const [event] = framed;
  t.deepEqual(malformed, []);
  const data =
    '{"event_type":"TOMAR","tag_spool":"S-1","estado_detalle":"ARM: x",' +
    '"spoolcast":{"id":"5-0","received_at":"1970-01-01T00:00:00.005Z","timestamp":null,' +
    '"worker":null,"operation":"ARM","state":"x"}}';
  t.is(event?.frame, `id: 5-0\nevent: spool_update\ndata: ${data}\n\n`);
  t.is(event && dataOf(event), data);
  t.like(event?.meta, { tag: 'S-1', type: 'TOMAR', operation: 'ARM' });
});

test('a record spoolcast did not write is set aside, and the rest keep their order', (t) => {
  const good = [storedEvent('1-0'), storedEvent('3-0')];
  const noGap = { ...storedEvent('2-0'), template: '{"a":1}' };
  const badMeta = { ...storedEvent('2-1'), meta: '{"tag":"S"}' };
  const { framed, malformed } = frameEvents(
    [good[0], noGap, badMeta, good[1]].filter((e) => e !== undefined),
  );
  t.deepEqual(
    framed.map((e) => e.id),
    ['1-0', '3-0'],
  );
  t.deepEqual(
    malformed.map((m) => m.id),
    ['2-0', '2-1'],
  );
});
