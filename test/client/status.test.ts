import test from 'ava';
import { backoffDelayMs } from '../../src/client/backoff.js';
import {
  initialStatusState,
  reduceStatus,
  type StatusInput,
  type StreamStatus,
} from '../../src/client/status.js';

const run = (inputs: StatusInput[]): StreamStatus[] => {
  let state = initialStatusState();
  return inputs.map((input) => {
    state = reduceStatus(state, input);
    return state.status;
  });
};

test('first attempt connects; a drop of an open stream is a reconnect', (t) => {
  t.deepEqual(
    run([
      { type: 'opening' },
      { type: 'frame', isConnected: true, bus: 'ok' },
      { type: 'dropped', isGivenUp: false },
      { type: 'frame', isConnected: true, bus: 'ok' },
    ]),
    ['connecting', 'live', 'reconnecting', 'live'],
  );
});

test('silence on an open stream is stale; silence before connected counts as a failure', (t) => {
  t.deepEqual(
    run([
      { type: 'frame', isConnected: true },
      { type: 'silent' },
      { type: 'opening' },
      { type: 'silent' },
      { type: 'silent' },
      { type: 'silent' },
    ]),
    ['live', 'stale', 'reconnecting', 'reconnecting', 'offline', 'offline'],
  );
});

test('bus down pauses an open stream only', (t) => {
  t.deepEqual(
    run([
      { type: 'frame', bus: 'down', isConnected: true },
      { type: 'dropped', isGivenUp: false },
      { type: 'frame', bus: 'ok', isConnected: true },
    ]),
    ['paused', 'reconnecting', 'live'],
  );
});

test('offline network and suspension win over every other status but a refusal', (t) => {
  t.deepEqual(
    run([
      { type: 'frame', isConnected: true },
      { type: 'network', isOnline: false },
      { type: 'network', isOnline: true },
      { type: 'suspend', isSuspended: true },
      { type: 'suspend', isSuspended: false },
    ]),
    ['live', 'offline', 'live', 'offline', 'reconnecting'],
  );
});

test('backoff doubles up to the cap, never below the server retry, jitter in the upper half', (t) => {
  const options = { baseMs: 1000, maxMs: 8000 };
  t.deepEqual(
    [0, 1, 2, 3, 4, 10].map((n) => backoffDelayMs(n, options, null, () => 0)),
    [500, 1000, 2000, 4000, 4000, 4000],
  );
  t.is(
    backoffDelayMs(3, options, null, () => 1),
    8000,
  );
  t.is(
    backoffDelayMs(0, options, 3000, () => 1),
    3000,
  );
  t.is(
    backoffDelayMs(0, { baseMs: 1000, maxMs: 500 }, null, () => 1),
    1000,
  );
});

test('a 401 or 403 answer is unauthorized or forbidden until the next attempt, whatever the network does', (t) => {
  t.deepEqual(
    run([
      { type: 'opening' },
      { type: 'dropped', isGivenUp: true },
      { type: 'refused', refusal: 'unauthorized' },
      { type: 'network', isOnline: false },
      { type: 'network', isOnline: true },
      { type: 'opening' },
      { type: 'dropped', isGivenUp: true },
      { type: 'refused', refusal: 'forbidden' },
      { type: 'suspend', isSuspended: true },
      { type: 'opening' },
      { type: 'suspend', isSuspended: false },
      { type: 'frame', isConnected: true },
    ]),
    [
      'connecting',
      'connecting',
      'unauthorized',
      'unauthorized',
      'unauthorized',
      'connecting',
      'connecting',
      'forbidden',
      'forbidden',
      'offline',
      'connecting',
      'live',
    ],
  );
});

test('a refusal is an answer, not a failure: the attempts after it start counting afresh', (t) => {
  t.deepEqual(
    run([
      { type: 'frame', isConnected: true },
      { type: 'dropped', isGivenUp: false },
      { type: 'dropped', isGivenUp: true },
      { type: 'refused', refusal: 'unauthorized' },
      { type: 'opening' },
      { type: 'dropped', isGivenUp: true },
      { type: 'dropped', isGivenUp: true },
    ]),
    [
      'live',
      'reconnecting',
      'reconnecting',
      'unauthorized',
      'reconnecting',
      'reconnecting',
      'reconnecting',
    ],
  );
});
