import test from 'ava';
import type { Epoch, ReadAfterResult, StoredEvent } from '../../../src/bus/feed.js';
import { createGapFiller, type GapFillSteps } from '../../../src/bus/redis/gap-fill.js';
import { StoredSequence } from '../../../src/bus/stored-sequence.js';
import { compareIds } from '../../../src/domain/event-id.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { waitFor } from '../../helpers/wait.js';

const EPOCH: Epoch = { id: 'e1', isIncomplete: false };
const message = (id: string): StoredEvent => ({
  id,
  meta: '[]',
  template: '{}',
  storedAtMs: 0,
  receivedAtPerfMs: 0,
});

/** A gap filler over scripted steps; records what it delivered and the breaks it reported. */
function filler(steps: Partial<GapFillSteps>, startAt = '1-0') {
  const sequence = new StoredSequence<StoredEvent>(compareIds);
  sequence.startAt(startAt);
  const delivered: string[] = [];
  const breaks: Epoch[] = [];
  let finished = 0;
  const gapFill = createGapFiller({
    sequence,
    steps: {
      checkEpoch: async () => ({ epoch: EPOCH, isReplaced: false }),
      readAfter: async (): Promise<ReadAfterResult> => ({ ok: true, events: [], isComplete: true }),
      newestId: async () => '0-0',
      ...steps,
    },
    deliver: (batch) => {
      delivered.push(...batch.map((m) => m.id));
      if (!sequence.isHolding) finished += 1;
    },
    onHistoryBreak: (epoch) => breaks.push(epoch),
    isStopped: () => false,
    logger: silentLogger(),
    retryMs: 1,
  });
  return {
    sequence,
    gapFill,
    delivered,
    breaks,
    isDone: () => !sequence.isHolding,
    finished: () => finished,
  };
}

test('reads what was missed after the position, then releases the held live events without duplicates', async (t) => {
  const { sequence, gapFill, delivered, isDone } = filler({
    readAfter: async (cursor) => {
      t.is(cursor, '1-0');
      return { ok: true, events: [message('2-0'), message('3-0')], isComplete: true };
    },
  });
  gapFill.request();
  sequence.live([message('3-0'), message('4-0')]);
  await waitFor(isDone, { message: 'the fill to finish' });
  t.deepEqual(delivered, ['2-0', '3-0', '4-0']);
});

test('a failing read is retried with live events still held', async (t) => {
  let calls = 0;
  const { sequence, gapFill, delivered, isDone } = filler({
    readAfter: async () => {
      calls += 1;
      if (calls < 3) return { ok: false, reason: 'unavailable' };
      return { ok: true, events: [message('2-0')], isComplete: true };
    },
  });
  gapFill.request();
  sequence.live([message('5-0')]);
  await waitFor(isDone, { message: 'the fill to finish' });
  t.is(calls, 3);
  t.deepEqual(delivered, ['2-0', '5-0']);
});

test('a replaced history reports a break and continues from the new head', async (t) => {
  const { sequence, gapFill, delivered, breaks, isDone } = filler(
    {
      checkEpoch: async () => ({ epoch: { id: 'e2', isIncomplete: true }, isReplaced: true }),
      newestId: async () => '20-0',
    },
    '90-0',
  );
  gapFill.request();
  sequence.live([message('3-0'), message('21-0')]);
  await waitFor(isDone, { message: 'the fill to finish' });
  t.deepEqual(
    breaks.map((e) => e.id),
    ['e2'],
  );
  t.deepEqual(delivered, ['21-0']);
});

test('trimmed past the position: a break, then from the head', async (t) => {
  const { gapFill, breaks, isDone } = filler({
    readAfter: async () => ({ ok: false, reason: 'cursor_too_old' }),
    newestId: async () => '50-0',
  });
  gapFill.request();
  await waitFor(isDone, { message: 'the fill to finish' });
  t.is(breaks.length, 1);
});

test('a request during a fill makes one more pass before the held events are released', async (t) => {
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  let reads = 0;
  const { gapFill, isDone } = filler({
    readAfter: async () => {
      reads += 1;
      if (reads === 1) await gate;
      return { ok: true, events: [], isComplete: true };
    },
  });
  gapFill.request();
  gapFill.request();
  release();
  await waitFor(isDone, { message: 'the fill to finish' });
  t.is(reads, 2);
});

test('a long gap is read page by page until the stream says it is complete', async (t) => {
  const pages: Record<string, ReadAfterResult> = {
    '1-0': { ok: true, events: [message('2-0'), message('3-0')], isComplete: false },
    '3-0': { ok: true, events: [message('4-0')], isComplete: true },
  };
  const { gapFill, delivered, isDone } = filler({
    readAfter: async (cursor) => pages[cursor] ?? { ok: false, reason: 'unknown_cursor' },
  });
  gapFill.request();
  await waitFor(isDone, { message: 'the fill to finish' });
  t.deepEqual(delivered, ['2-0', '3-0', '4-0']);
});

test('a history break names the head the sequence continues after', async (t) => {
  const heads: string[] = [];
  const sequence = new StoredSequence<StoredEvent>(compareIds);
  sequence.startAt('5-0');
  const gapFill = createGapFiller({
    sequence,
    steps: {
      checkEpoch: async () => ({ epoch: EPOCH, isReplaced: true }),
      readAfter: async () => ({ ok: true, events: [], isComplete: true }),
      newestId: async () => '70-0',
    },
    deliver: () => undefined,
    onHistoryBreak: (_epoch, headId) => heads.push(headId),
    isStopped: () => false,
    logger: silentLogger(),
  });
  gapFill.request();
  await waitFor(() => !sequence.isHolding, { message: 'the fill to finish' });
  t.deepEqual(heads, ['70-0']);
  t.is(sequence.position, '70-0');
});
