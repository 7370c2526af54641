import test from 'ava';
import { frameBatch } from '../../src/stream/event-frames.js';

test('frames accepted results once each and lists the rejected ones by index', (t) => {
  const frames = frameBatch(
    ['1-0', '2-0', '3-0'],
    [
      { ok: true, data: '{"a":1}', tag: 'S', patch: '' },
      { ok: false, reason: 'not_json', detail: 'event is not valid JSON' },
      { ok: true, data: '{"a":3}', tag: 'S', patch: '' },
    ],
  );
  t.is(
    frames.text,
    'id: 1-0\nevent: spool_update\ndata: {"a":1}\n\nid: 3-0\nevent: spool_update\ndata: {"a":3}\n\n',
  );
  t.deepEqual(
    frames.entries.map((e) => e.id),
    ['1-0', '3-0'],
  );
  t.is(frames.lastId, '3-0');
  t.deepEqual(frames.rejected, [
    { index: 1, reason: 'not_json', detail: 'event is not valid JSON' },
  ]);
});

test('a batch with nothing accepted has no last id', (t) => {
  t.is(frameBatch(['1-0'], [{ ok: false, reason: 'not_json', detail: 'x' }]).lastId, null);
});
