import test from 'ava';
import { StoredSequence } from '../../src/bus/stored-sequence.js';
import { compareIds } from '../../src/domain/event-id.js';

const ids = (...list: string[]) => list.map((id) => ({ id }));
const idsOf = (batch: { id: string }[]) => batch.map((m) => m.id);

test('live messages pass in order; anything at or before the position is dropped', (t) => {
  const sequence = new StoredSequence(compareIds);
  sequence.startAt('5-0');
  t.deepEqual(idsOf(sequence.live(ids('4-0', '5-0', '6-0', '6-0', '7-0'))), ['6-0', '7-0']);
  t.is(sequence.position, '7-0');
});

test('while a gap fill is due, live messages are held; the fill comes first, then the held ones without overlap', (t) => {
  const sequence = new StoredSequence(compareIds);
  sequence.startAt('1-0');
  sequence.hold();
  t.deepEqual(sequence.live(ids('4-0', '5-0')), [], 'held');
  t.deepEqual(idsOf(sequence.filled(ids('2-0', '3-0', '4-0'))), ['2-0', '3-0', '4-0']);
  t.deepEqual(idsOf(sequence.release()), ['5-0'], '4-0 was read by the fill already');
  t.false(sequence.isHolding);
});

test('a replaced history continues from its head: nothing before it is handed on', (t) => {
  const sequence = new StoredSequence(compareIds);
  sequence.startAt('90-0');
  sequence.hold();
  sequence.live(ids('3-0', '12-0'));
  sequence.startAt('10-0');
  t.deepEqual(idsOf(sequence.release()), ['12-0']);
});

test('the position of a new history is 0-0', (t) => {
  t.is(new StoredSequence(compareIds).position, '0-0');
});
