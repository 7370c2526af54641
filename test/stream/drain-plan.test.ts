import test from 'ava';
import { countDue, drainTickMs, planDrainCloses } from '../../src/stream/drain-plan.js';

const sequence = (...values: number[]) => {
  let i = 0;
  return () => values[i++ % values.length] as number;
};

test('planDrainCloses gives every stream one moment in the window, sorted by time', (t) => {
  const plan = planDrainCloses(4, 2000, sequence(0.9, 0.1, 0.5, 0));
  t.deepEqual(plan, [
    { index: 3, atMs: 0 },
    { index: 1, atMs: 200 },
    { index: 2, atMs: 1000 },
    { index: 0, atMs: 1800 },
  ]);
});

/** A seeded generator (a linear congruence), so the spread is checked on known draws. */
const seeded = (seed: number) => {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
};

test('planDrainCloses spreads 1,000 streams over the window, not into one second', (t) => {
  const plan = planDrainCloses(1000, 30_000, seeded(42));
  const seconds = new Set(plan.map((p) => Math.floor(p.atMs / 1000)));
  t.true(seconds.size >= 25);
  t.true(plan.every((p) => p.atMs >= 0 && p.atMs < 30_000));
  t.deepEqual(new Set(plan.map((p) => p.index)).size, 1000);
});

test('a zero window closes everything at once', (t) => {
  t.true(planDrainCloses(5, 0).every((p) => p.atMs === 0));
  t.deepEqual(planDrainCloses(0, 1000), []);
});

test('countDue counts the entries due from a position', (t) => {
  const plan = planDrainCloses(4, 2000, sequence(0.9, 0.1, 0.5, 0));
  t.is(countDue(plan, 0, 199), 1);
  t.is(countDue(plan, 1, 1000), 2);
  t.is(countDue(plan, 3, 5000), 1);
  t.is(countDue(plan, 4, 5000), 0);
});

test('drainTickMs stays between 10 and 100 ms', (t) => {
  t.is(drainTickMs(0), 10);
  t.is(drainTickMs(2000), 40);
  t.is(drainTickMs(30_000), 100);
});
