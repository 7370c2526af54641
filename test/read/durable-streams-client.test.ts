/**
 * Electric's own client (@durable-streams/client) reads a plant's events from
 * GET /api/streams/spools in catch-up, long-poll and SSE modes, resumes from a saved
 * offset across a gateway restart, sees every event once, in order, with the same JSON as
 * SSE clients, and takes a trimmed offset's 410 down its error path.
 */
import { FetchError, stream } from '@durable-streams/client';
import test from 'ava';
import type { Service } from '../../src/service.js';
import { postEvent, redisEnv, spoolEvent, startGateway } from '../helpers/gateway.js';
import { openTestSse } from '../helpers/sse-client.js';
import { withDeadline } from '../helpers/wait.js';

type Event = { n: number; spoolcast: { id: string } };
const url = (gateway: Service) => `${gateway.url}/api/streams/spools`;
const publish = async (gateway: Service, from: number, to: number) => {
  const ids: string[] = [];
  for (let n = from; n < to; n += 1)
    ids.push(await postEvent(gateway.url, JSON.parse(spoolEvent(n))));
  return ids;
};

/** Subscribes in `live` mode and resolves with every item once the `n`-th event has arrived. */
function readUntil(gateway: Service, live: 'long-poll' | 'sse', offset: string, lastN: number) {
  const controller = new AbortController();
  const items: Event[] = [];
  const done = new Promise<Event[]>((resolve, reject) => {
    stream<Event>({ url: url(gateway), offset, live, signal: controller.signal, warnOnHttp: false })
      .then((response) =>
        response.subscribeJson((batch) => {
          items.push(...batch.items);
          if (items.some((e) => e.n === lastN)) resolve(items);
        }),
      )
      .catch(reject);
  });
  return withDeadline(done, 30_000, `the ${live} reader to reach event ${lastN}`).finally(() =>
    controller.abort(),
  );
}

for (const live of ['long-poll', 'sse'] as const) {
  test(`${live}: every event once, in order, with the JSON SSE clients get`, async (t) => {
    const gateway = await startGateway(t, { LONG_POLL_TIMEOUT_S: '2' });
    const sse = await openTestSse(t, `${gateway.url}/api/sse/stream`);
    await sse.next((f) => f.event === 'connected');
    const before = await publish(gateway, 0, 3);
    // Reading from the start while the rest is published: catch-up, then live.
    const reading = readUntil(gateway, live, '-1', 7);
    const last = (await publish(gateway, 3, 8)).at(-1) as string;
    const items = await reading;
    const frames = await sse.framesThrough(
      (f) => f.id === last,
      (f) => f.event === 'spool_update',
    );
    t.deepEqual(
      items.map((e) => e.n),
      [0, 1, 2, 3, 4, 5, 6, 7],
    );
    t.deepEqual(
      items.map((e) => JSON.stringify(e)),
      frames.map((f) => JSON.stringify(JSON.parse(f.data))),
    );
    t.is(items[0]?.spoolcast.id, before[0]);
  });
}

test('catch-up reads everything up to date; a saved offset resumes across a gateway restart', async (t) => {
  const env = await redisEnv('ds-client');
  const first = await startGateway(t, env);
  await publish(first, 0, 4);
  const caughtUp = await stream<Event>({
    url: url(first),
    offset: '-1',
    live: false,
    warnOnHttp: false,
  });
  const items = await caughtUp.json();
  t.deepEqual(
    items.map((e) => e.n),
    [0, 1, 2, 3],
  );
  const saved = caughtUp.offset;
  await first.stop();
  const second = await startGateway(t, env);
  await publish(second, 4, 6);
  const resumed = await readUntil(second, 'long-poll', saved, 5);
  t.deepEqual(
    resumed.map((e) => e.n),
    [4, 5],
  );
});

test('a trimmed offset gets 410 and the client reports it through its error path', async (t) => {
  const gateway = await startGateway(t, { HISTORY_SIZE: '5' });
  const start = (await stream({ url: url(gateway), offset: 'now', live: false, warnOnHttp: false }))
    .offset;
  await publish(gateway, 0, 30);
  const errors: unknown[] = [];
  const failed = await stream({
    url: url(gateway),
    offset: start,
    live: false,
    warnOnHttp: false,
    onError: (error) => {
      errors.push(error);
    },
  }).then(
    (response) => response.json(),
    (error: unknown) => error,
  );
  const error = errors[0] ?? failed;
  t.true(error instanceof FetchError);
  t.is((error as FetchError).status, 410);
});
