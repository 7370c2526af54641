import test from 'ava';
import { createSequencer } from '../../src/pipeline/sequencer.js';

test('values are released in ticket order whatever order they complete in', (t) => {
  const released: string[] = [];
  const sequencer = createSequencer<string>((value) => released.push(value));
  const [a, b, c] = [sequencer.reserve(), sequencer.reserve(), sequencer.reserve()];
  sequencer.complete(c, 'c');
  sequencer.complete(b, 'b');
  t.deepEqual(released, []);
  t.is(sequencer.pending, 3);
  sequencer.complete(a, 'a');
  t.deepEqual(released, ['a', 'b', 'c']);
  t.is(sequencer.pending, 0);
});
