/**
 * The test kit as a consumer imports it: by the package's own name, which Node resolves
 * through package.json "exports" to the built kit in dist/ (so `npm run build` comes first).
 */
import test from 'ava';
import { startTestGateway, type TestGateway } from 'spoolcast/testing';
import { type FrameFields, frameCheckerFor } from '../helpers/api-contract.js';
import { redisEnv } from '../helpers/gateway.js';

/** The kit's next frames, each checked against docs/asyncapi.yaml like the suite's own client's. */
async function nextChecked(gateway: TestGateway, count: number, options?: { timeoutMs: number }) {
  const check = frameCheckerFor(`${gateway.url}/api/sse/stream`) as (frame: FrameFields) => void;
  const frames = await gateway.nextFrames(count, options);
  for (const { event, id, data } of frames) {
    check({ event, ...(id === null ? {} : { id }), data: JSON.stringify(data) });
  }
  return frames;
}

test('a published event comes back as the next frame, parsed, with its id', async (t) => {
  const gateway = await startTestGateway();
  t.teardown(() => gateway.close());
  const id = await gateway.publish({
    event_type: 'TOMAR',
    tag_spool: 'SPOOL-7',
    worker_nombre: 'MR(93)',
  });
  const [frame] = await nextChecked(gateway, 1);
  t.is(frame?.event, 'spool_update');
  t.is(frame?.id, id);
  t.like(frame?.data, {
    tag_spool: 'SPOOL-7',
    spoolcast: { id, worker: { initials: 'MR', id: 93 } },
  });
});

test('nextFrames hands out each frame once, in publish order, across calls', async (t) => {
  const gateway = await startTestGateway();
  t.teardown(() => gateway.close());
  const ids = [];
  for (const n of [1, 2, 3])
    ids.push(await gateway.publish({ event_type: 'STATE_CHANGE', tag_spool: `S-${n}` }));
  const first = await nextChecked(gateway, 2);
  const second = await nextChecked(gateway, 1);
  t.deepEqual(
    [...first, ...second].map((frame) => frame.id),
    ids,
  );
});

test('nextFrames rejects at its deadline naming how many frames arrived', async (t) => {
  const gateway = await startTestGateway();
  t.teardown(() => gateway.close());
  await gateway.publish({ event_type: 'TOMAR', tag_spool: 'SPOOL-1' });
  await t.throwsAsync(gateway.nextFrames(2, { timeoutMs: 500 }), {
    message: 'nextFrames: expected 2 frames within 500 ms; 1 arrived (spool_update)',
  });
  t.is(
    (await nextChecked(gateway, 1))[0]?.event,
    'spool_update',
    'the frame that did arrive is still there',
  );
});

test('with a Redis URL the gateway stores through Redis and streams the same way', async (t) => {
  const env = await redisEnv('kit');
  const { REDIS_URL, ...rest } = env;
  const gateway = await startTestGateway({ redisUrl: REDIS_URL, env: rest });
  t.teardown(() => gateway.close());
  const id = await gateway.publish(JSON.stringify({ event_type: 'PAUSAR', tag_spool: 'SPOOL-2' }));
  t.is((await nextChecked(gateway, 1))[0]?.id, id);
});
