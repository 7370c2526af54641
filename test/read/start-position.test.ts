import test from 'ava';
import { decideStartPosition } from '../../src/read/start-position.js';

test('no cursor and no snapshot starts live', (t) => {
  t.deepEqual(decideStartPosition(undefined, {}), { kind: 'live' });
});

test('the header wins over the query parameter', (t) => {
  t.deepEqual(decideStartPosition('5-0', { last_event_id: '1-0' }), {
    kind: 'cursor',
    cursor: '5-0',
  });
});

test('the query parameter serves a first connect; a blank header is ignored', (t) => {
  t.deepEqual(decideStartPosition('  ', { last_event_id: '1-0' }), {
    kind: 'cursor',
    cursor: '1-0',
  });
});

test('snapshot=1 asks for a snapshot; a cursor beats it', (t) => {
  t.deepEqual(decideStartPosition(undefined, { snapshot: '1' }), { kind: 'snapshot' });
  t.deepEqual(decideStartPosition(undefined, { snapshot: 'true', last_event_id: '2-0' }), {
    kind: 'cursor',
    cursor: '2-0',
  });
  t.deepEqual(decideStartPosition(undefined, { snapshot: '0' }), { kind: 'live' });
});
