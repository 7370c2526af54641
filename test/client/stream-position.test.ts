import test from 'ava';
import { offsetAfter, positionOfOffset } from '../../src/client/stream-position.js';
import {
  initialStreamState,
  withEvent,
  withPosition,
  withSnapshot,
} from '../../src/client/stream-state.js';
import { decodeOffset, encodeOffset } from '../../src/domain/stream-offset.js';
import { update } from './fakes.js';

const EPOCH = '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
const state = (lastEventId: string | null, epoch: string | null = EPOCH) =>
  initialStreamState('u', 'live', lastEventId, undefined, { epoch });

test('the offset after the last event applied is the one the gateway gives for that position', (t) => {
  // <epoch without dashes>_<ms padded to 16>_<seq padded to 20>, as the gateway writes it.
  t.is(
    offsetAfter(EPOCH, '1796552826805-11'),
    '0f1e2d3c4b5a69788796a5b4c3d2e1f0_0001796552826805_00000000000000000011',
  );
  t.like(decodeOffset(offsetAfter(EPOCH, '7-0') ?? ''), { kind: 'position', afterId: '7-0' });
  t.is(offsetAfter(null, '7-0'), null, 'no epoch, no offset');
  t.is(offsetAfter(EPOCH, null), null);
  t.is(offsetAfter(EPOCH, 'not-an-id'), null);
});

test('a Stream-Next-Offset names its epoch and the event it is after; sentinels name nothing', (t) => {
  t.deepEqual(positionOfOffset(encodeOffset(EPOCH, '12-3')), {
    epoch: EPOCH.replaceAll('-', ''),
    afterId: '12-3',
  });
  for (const offset of ['-1', 'now', '', 'garbage', null, undefined]) {
    t.is(positionOfOffset(offset), null);
  }
});

test('an event at or before the position is skipped, whichever transport brings it', (t) => {
  const after = withEvent(state('5-0'), update('6-0', 'TOMAR', 'S-1'), 1);
  t.is(after?.lastEventId, '6-0');
  t.is(after?.spools.get('S-1')?.status, 'occupied');
  t.is(withEvent(after ?? state(null), update('6-0', 'TOMAR', 'S-1'), 2), null);
  t.is(withEvent(after ?? state(null), update('5-9', 'PAUSAR', 'S-1'), 2), null);
});

test("a long-poll's offset moves the position forward only, and names the history when unknown", (t) => {
  const moved = withPosition(state('5-0', null), { offset: encodeOffset(EPOCH, '9-0') });
  t.is(moved.lastEventId, '9-0');
  t.is(moved.epoch, EPOCH.replaceAll('-', ''));
  const kept = state('9-0');
  t.is(withPosition(kept, { offset: encodeOffset(EPOCH, '8-0') }), kept);
  t.is(withPosition(kept, { lastEventId: '10-0' }).lastEventId, '10-0');
});

test('a snapshot replaces the rows and sets the position and the history', (t) => {
  const next = withSnapshot(
    state('2-0', null),
    { epoch: EPOCH, as_of: '9-0', incomplete: false, spools: [] },
    1,
  );
  t.like(next, { lastEventId: '9-0', epoch: EPOCH, lastEventAt: 1 });
});
