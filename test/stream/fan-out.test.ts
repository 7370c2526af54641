/**
 * Sliced fan-out (SSE_FAN_OUT_SLICE): with one client per slice, every batch crosses many
 * event-loop turns while events keep arriving and screens keep joining. Whoever joins
 * during a fan-out — live, or resuming from the frame cache — still gets every event after
 * its start exactly once, in order.
 */
import test from 'ava';
import { postEvent, startGateway } from '../helpers/gateway.js';
import { openTestSse, type SseClient } from '../helpers/sse-client.js';

const STREAM = '/api/sse/stream';
const EVENTS = 150;
const isUpdate = (f: { event?: string }) => f.event === 'spool_update';

const post = (url: string, n: number) =>
  postEvent(url, { event_type: 'STATE_CHANGE', tag_spool: `SPOOL-${n % 5}`, n });

const idsOf = (client: SseClient) => client.frames.filter(isUpdate).map((f) => f.id as string);

test('one client per slice: screens that join mid-fan-out, live or resuming, get every later event once, in order', async (t) => {
  const gateway = await startGateway(t, { SSE_FAN_OUT_SLICE: '1' });
  const url = gateway.url + STREAM;
  const early = await Promise.all([1, 2, 3, 4].map(() => openTestSse(t, url)));
  const ids: string[] = [];
  const joined: { client: SseClient; cursor: string | null }[] = [];
  for (let n = 0; n < EVENTS; n += 1) {
    ids.push(await post(gateway.url, n));
    // Every tenth event, a live screen and one resuming after an event a moment old join
    // while that event's fan-out may still be walking the clients.
    if (n % 10 === 5) {
      const cursor = ids[n - 3] as string;
      joined.push({ client: await openTestSse(t, url), cursor: null });
      joined.push({
        client: await openTestSse(t, url, { headers: { 'Last-Event-ID': cursor } }),
        cursor,
      });
    }
  }
  const last = ids.at(-1) as string;
  for (const client of [...early, ...joined.map((j) => j.client)]) {
    await client.next((f) => isUpdate(f) && f.id === last, { timeoutMs: 60_000 });
  }
  for (const client of early) t.deepEqual(idsOf(client), ids);
  for (const { client, cursor } of joined) {
    const seen = idsOf(client);
    if (cursor !== null) {
      t.deepEqual(seen, ids.slice(ids.indexOf(cursor) + 1), 'resumed: everything after it');
    } else {
      // Live from its connect: an unbroken run of the sequence up to the last event.
      t.deepEqual(seen, ids.slice(ids.indexOf(seen[0] as string)), 'live: no gap, no repeat');
    }
  }
});
