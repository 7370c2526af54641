import test from 'ava';
import { HandOverGate } from '../../src/pipeline/hand-over-gate.js';

/** Acquires and records, in order, which callers got through. */
function caller(gate: HandOverGate, name: string, through: string[]): Promise<void> {
  return gate.acquire().then(() => {
    through.push(name);
  });
}

test('two tasks per thread go at once; the rest wait and go first come first served', async (t) => {
  const depths: number[] = [];
  const gate = new HandOverGate(1, (depth) => depths.push(depth));
  const through: string[] = [];
  await Promise.all([caller(gate, 'a', through), caller(gate, 'b', through)]);
  const waiting = [caller(gate, 'c', through), caller(gate, 'd', through)];
  t.is(gate.queued, 2);
  gate.release();
  await waiting[0];
  gate.release();
  await waiting[1];
  t.deepEqual(through, ['a', 'b', 'c', 'd']);
  t.deepEqual(depths, [1, 2, 1, 0]);
});

test('after a failure one task per thread until the careful time is over, in arrival order', async (t) => {
  let nowMs = 0;
  const gate = new HandOverGate(1, undefined, () => nowMs);
  const through: string[] = [];
  gate.beCarefulFor(1000);
  await caller(gate, 'a', through);
  const b = caller(gate, 'b', through);
  t.is(gate.queued, 1, 'a second task waits while careful');
  nowMs = 1000;
  const c = caller(gate, 'c', through);
  t.is(gate.queued, 2, 'a newcomer never overtakes a waiting task');
  gate.release();
  await Promise.all([b, c]);
  t.deepEqual(through, ['a', 'b', 'c'], 'one release lets both go: the limit is two again');
});
