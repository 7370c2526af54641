import test from 'ava';
import {
  countSilentConnects,
  type FrameTiming,
  isHeldBack,
  isHeldBackBySilence,
  isProven,
  lateFrameLimitMs,
  observeFrame,
  overdueVerdict,
  transportSettings,
  trialDelayMs,
} from '../../src/client/transport-policy.js';

const settings = transportSettings();
const at = (serverMs: number) => new Date(serverMs).toISOString();
/** Frames sent at `sentMs` (server clock) arriving at `arrivedMs` (client clock, another offset). */
const timed = (frames: [sentMs: number, arrivedMs: number][]) =>
  frames.reduce<FrameTiming | null>(
    (timing, [sentMs, arrivedMs]) => observeFrame(timing, 5_000_000 + arrivedMs, at(sentMs)),
    null,
  );

test('frames that arrive at their pace are not held back, whatever the clocks differ by', (t) => {
  const steady = timed([
    [0, 40],
    [15_000, 15_090],
    [30_000, 30_020],
    [45_000, 45_400],
  ]);
  t.false(isHeldBack(steady, settings, 15_000));
  t.is(steady?.frames, 4);
});

test('heartbeats released together by a buffer are held back; the limit is one period, at least 5 s', (t) => {
  // connected went through at once; three heartbeats came in one burst at 46 s.
  const burst = timed([
    [0, 30],
    [15_000, 46_000],
    [30_000, 46_001],
    [45_000, 46_002],
  ]);
  t.true(isHeldBack(burst, settings, 15_000));
  t.is(lateFrameLimitMs(settings, 15_000), 15_000);
  t.is(lateFrameLimitMs(settings, 1000), 5000);
  t.is(lateFrameLimitMs(transportSettings({ lateFrameMs: 800 }), 15_000), 800);
});

test('a frame without a readable server_time is not timed', (t) => {
  const timing = timed([[0, 10]]);
  t.is(observeFrame(timing, 99_999_999, undefined), timing);
  t.is(observeFrame(timing, 99_999_999, 'yesterday'), timing);
});

test('a trial is proven by connected plus the heartbeats asked, none held back', (t) => {
  const two = timed([
    [0, 10],
    [1000, 1010],
  ]);
  const three = timed([
    [0, 10],
    [1000, 1010],
    [2000, 2030],
  ]);
  t.false(isProven(two, settings, 1000));
  t.true(isProven(three, settings, 1000));
  t.false(isProven(three, transportSettings({ proofHeartbeats: 3 }), 1000));
  t.false(isProven(three, transportSettings({ lateFrameMs: 10 }), 1000));
});

test('an overdue first frame: a started response or a HEAD answering 200 is held back', (t) => {
  t.is(overdueVerdict(true, null), 'held_back');
  t.is(overdueVerdict(false, 200), 'held_back');
  t.is(overdueVerdict(false, 401), 'refused');
  t.is(overdueVerdict(false, 403), 'refused');
  t.is(overdueVerdict(false, 503), 'unknown');
  t.is(overdueVerdict(false, null), 'unknown');
});

test('SSE is tried again after 5 minutes, doubling per failed trial up to 30, jittered in the upper half', (t) => {
  const low = [0, 1, 2, 3, 4, 9].map((n) => trialDelayMs(n, settings, () => 0));
  t.deepEqual(low, [150_000, 300_000, 600_000, 900_000, 900_000, 900_000]);
  t.is(
    trialDelayMs(0, settings, () => 1),
    300_000,
  );
  t.is(
    trialDelayMs(9, settings, () => 1),
    1_800_000,
  );
});

test('connected then silence counts up; any other silence starts again; two in a row are held back', (t) => {
  const once = countSilentConnects(0, true);
  t.false(isHeldBackBySilence(once));
  t.true(isHeldBackBySilence(countSilentConnects(once, true)));
  t.is(countSilentConnects(once, false), 0);
});
