import test from 'ava';
import { FrameQueue, toTestFrame } from '../../src/testing/frame-queue.js';

const frame = (n: number) => toTestFrame('spool_update', `${n}-0`, `{"n":${n}}`);

test('take resolves once enough frames arrived, in arrival order', async (t) => {
  const queue = new FrameQueue();
  const taken = queue.take(2, 1000);
  queue.push(frame(1));
  queue.push(frame(2));
  t.deepEqual(
    (await taken).map((f) => f.id),
    ['1-0', '2-0'],
  );
});

test('callers are served in call order and never get the same frame twice', async (t) => {
  const queue = new FrameQueue();
  const first = queue.take(1, 1000);
  const second = queue.take(1, 1000);
  queue.push(frame(1));
  queue.push(frame(2));
  t.is((await first)[0]?.id, '1-0');
  t.is((await second)[0]?.id, '2-0');
});

test('a missed deadline names the count that arrived and leaves those frames queued', async (t) => {
  const queue = new FrameQueue();
  queue.push(frame(1));
  await t.throwsAsync(queue.take(3, 20), {
    message: 'nextFrames: expected 3 frames within 20 ms; 1 arrived (spool_update)',
  });
  t.is((await queue.take(1, 1000))[0]?.id, '1-0');
});

test('a stream that ends rejects the waits it can no longer meet, at once', async (t) => {
  const queue = new FrameQueue();
  const taken = queue.take(1, 60_000);
  queue.end('the gateway closed it');
  await t.throwsAsync(taken, {
    message:
      'nextFrames: expected 1 frame before the stream ended (the gateway closed it); 0 arrived',
  });
});

test('data is parsed when it is JSON and kept as text when not; no id is null', (t) => {
  t.deepEqual(toTestFrame('snapshot', '5-0', '{"spools":[]}'), {
    event: 'snapshot',
    id: '5-0',
    data: { spools: [] },
  });
  t.deepEqual(toTestFrame(undefined, undefined, 'hello'), {
    event: 'message',
    id: null,
    data: 'hello',
  });
});
