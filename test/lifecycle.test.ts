/** The shutdown order, over fakes that record what was called when. */
import test from 'ava';
import { createLifecycle, type LifecycleParts } from '../src/lifecycle.js';

function recordingParts(calls: string[]): LifecycleParts {
  const step = (name: string) => async () => {
    calls.push(name);
  };
  return {
    closeServer: step('closeServer'),
    closeAllConnections: () => calls.push('closeAllConnections'),
    endStreams: () => calls.push('endStreams'),
    drainStreams: async () => {
      calls.push('drainStreams');
      return { streams: 0, closed: 0, firstCloseMs: null, lastCloseMs: null, durationMs: 0 };
    },
    stopBus: step('stopBus'),
    closePool: step('closePool'),
    drainDelayMs: 0,
  };
}

test('stop ends the streams, then the bus, then the pool, and waits for the server', async (t) => {
  const calls: string[] = [];
  const lifecycle = createLifecycle(recordingParts(calls));
  await lifecycle.stop();
  t.true(lifecycle.isDraining);
  t.deepEqual(calls, ['closeServer', 'endStreams', 'stopBus', 'closePool']);
});

test('drain turns to draining at once, drains the streams, then stops; twice is once', async (t) => {
  const calls: string[] = [];
  const lifecycle = createLifecycle(recordingParts(calls));
  const draining = lifecycle.drain();
  t.true(lifecycle.isDraining, 'readiness turns 503 before anything else');
  t.true(lifecycle.drainSignal.aborted, 'waiting long-poll reads answer at once');
  await Promise.all([draining, lifecycle.drain()]);
  t.deepEqual(calls, ['drainStreams', 'closeServer', 'endStreams', 'stopBus', 'closePool']);
});

test('connections that do not finish their last flush are cut after the grace', async (t) => {
  const calls: string[] = [];
  let finish: () => void = () => undefined;
  const parts: LifecycleParts = {
    ...recordingParts(calls),
    closeServer: () =>
      new Promise<void>((resolve) => {
        finish = resolve;
      }),
    closeAllConnections: () => {
      calls.push('closeAllConnections');
      finish();
    },
    forceCloseAfterMs: 10,
  };
  await createLifecycle(parts).stop();
  t.deepEqual(calls, ['endStreams', 'stopBus', 'closePool', 'closeAllConnections']);
});
