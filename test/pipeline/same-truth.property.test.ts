/**
 * The invariant the original plan promised ("all workers see the same changes"), checked
 * for generated mixes of good and hostile messages over both paths (plain PUBLISH and
 * POST), on two replicas of one Redis: every live client on every replica and every client
 * replaying receives the identical sequence of ids and bytes; every good message is in it
 * once, in its path's order; every hostile one is refused, counted and (PUBLISH)
 * dead-lettered or (POST) answered 4xx with its reason.
 */
import assert from 'node:assert/strict';
import test from 'ava';
import fc from 'fast-check';
import { REJECT_REASONS } from '../../src/domain/spool-event.js';
import type { Service } from '../../src/service.js';
import {
  type Message,
  messageMix,
  PROPERTY_MAX_EVENT_BYTES,
  PROPERTY_SEED,
} from '../fixtures/hostile-messages.js';
import { checkedFetch } from '../helpers/api-contract.js';
import { connectRedis, metricValue, redisEnv, startGateway } from '../helpers/gateway.js';
import { openSse, type SseClient, type SseFrame } from '../helpers/sse-client.js';
import { waitFor } from '../helpers/wait.js';

type Path = 'publish' | 'post';
const isUpdate = (f: SseFrame) => f.event === 'spool_update';
const summary = (frames: SseFrame[]) => frames.map((f) => `${f.id}\n${f.data}`);

async function post(gateway: Service, bytes: Buffer): Promise<{ status: number; body: unknown }> {
  const response = await checkedFetch(`${gateway.url}/api/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: new Uint8Array(bytes),
  });
  return { status: response.status, body: await response.json() };
}

/** Opens a stream (resuming after `cursor` when given) and waits for its connected frame. */
async function stream(gateway: Service, cursor: string | null): Promise<SseClient> {
  // No cursor: a live screen. With one: a screen resuming after it.
  const headers: Record<string, string> = cursor ? { 'Last-Event-ID': cursor } : {};
  const client = await openSse(`${gateway.url}/api/sse/stream`, { headers });
  await client.next((f) => f.event === 'connected');
  return client;
}

test('for any mix of good and hostile messages on both paths, every screen on every replica sees the same sequence', async (t) => {
  const env = await redisEnv('truth');
  const settings = { ...env, MAX_EVENT_BYTES: String(PROPERTY_MAX_EVENT_BYTES) };
  const a = await startGateway(t, settings);
  // Replica b writes each fan-out one client per slice, yielding to I/O in between.
  const b = await startGateway(t, { ...settings, SSE_FAN_OUT_SLICE: '1' });
  const producer = connectRedis(t, env.REDIS_URL as string);
  const seen: SseFrame[] = [];
  // Replaying clients start after the last event of the previous runs ('0-0': the start).
  let cursor = '0-0';
  let deadLetters = 0;
  let rejectedOverRedis = 0;
  let runs = 0;

  await fc
    .assert(
      fc.asyncProperty(
        messageMix,
        fc.array(fc.constantFrom<Path>('publish', 'post'), { minLength: 12, maxLength: 12 }),
        async (messages, paths) => {
          runs += 1;
          const live = [await stream(a, null), await stream(b, null)];
          try {
            const expected: Record<Path, Message[]> = { publish: [], post: [] };
            for (const [i, message] of messages.entries()) {
              const path = paths[i] as Path;
              if (path === 'publish') {
                await producer.publish(env.SPOOLS_CHANNEL as string, message.bytes);
              } else {
                const answer = await post(i % 2 === 0 ? a : b, message.bytes);
                if (message.kind === 'good')
                  assert.equal(answer.status, 202, JSON.stringify(answer.body));
                else {
                  const body = answer.body as { error: string; reasons?: { reason: string }[] };
                  const reason =
                    body.error === 'too_large' ? 'too_large' : body.reasons?.[0]?.reason;
                  assert.equal(answer.status, reason === 'too_large' ? 413 : 400);
                  assert.equal(reason, message.reason);
                }
              }
              if (message.kind === 'good') expected[path].push(message);
              else if (path === 'publish') {
                deadLetters += 1;
                rejectedOverRedis += 1;
              }
            }
            // A fence on the channel after everything: once a screen has it, it has every
            // event before it (the POSTs were stored before it was sent), duplicates included.
            const fence = `FENCE-${runs}`;
            await producer.publish(
              env.SPOOLS_CHANNEL,
              JSON.stringify({ event_type: 'TOMAR', tag_spool: fence }),
            );
            const isFence = (f: SseFrame) => isUpdate(f) && JSON.parse(f.data).tag_spool === fence;
            const received = await Promise.all(
              live.map((client) => client.framesThrough(isFence, isUpdate, { timeoutMs: 60_000 })),
            );
            const replay = await Promise.all([a, b].map((gateway) => stream(gateway, cursor)));
            try {
              const replayed = await Promise.all(
                replay.map((client) =>
                  client.framesThrough(isFence, isUpdate, { timeoutMs: 60_000 }),
                ),
              );
              const reference = summary(received[0] as SseFrame[]);
              for (const frames of [...received, ...replayed])
                assert.deepEqual(summary(frames), reference);
              // Each good message once, in its path's order, as the producer's value + spoolcast.
              for (const path of ['publish', 'post'] as const) {
                const values = (received[0] as SseFrame[])
                  .map((f) => JSON.parse(f.data) as Record<string, unknown>)
                  .filter((v) => expected[path].some((m) => m.kind === 'good' && sameEvent(v, m)));
                assert.equal(
                  values.length,
                  expected[path].length,
                  `${path}: each good message once`,
                );
                for (const [k, m] of expected[path].entries()) {
                  assert.ok(sameEvent(values[k] as Record<string, unknown>, m), `${path} order`);
                }
              }
              seen.push(...(received[0] as SseFrame[]));
              cursor = seen.at(-1)?.id ?? cursor;
            } finally {
              for (const client of replay) client.close();
            }
            // Dead-lettered once across both replicas; counted on each replica that heard it.
            await waitFor(
              async () => (await a.store.readDeadLetters(10_000)).length === deadLetters,
              {
                timeoutMs: 30_000,
                message: `${deadLetters} dead letters`,
              },
            );
            for (const gateway of [a, b]) {
              await waitFor(
                async () => (await rejectedTotal(gateway, 'redis')) === rejectedOverRedis,
                { timeoutMs: 30_000, message: `${rejectedOverRedis} rejections counted` },
              );
            }
          } finally {
            for (const client of live) client.close();
          }
        },
      ),
      { seed: PROPERTY_SEED, numRuns: 50, endOnFailure: true },
    )
    .catch((error: Error) => {
      // fast-check names the seed and counterexample; the cause says which check failed.
      throw new Error(`${error.message}\ncause: ${String(error.cause)}`);
    });

  // A replica started afterwards replays the whole history from Redis (its frame cache is
  // empty): the same ids and the same bytes as every live screen saw.
  const late = await startGateway(t, settings);
  const fromStart = await stream(late, '0-0');
  t.teardown(() => fromStart.close());
  const lastId = seen.at(-1)?.id;
  const all = await fromStart.framesThrough((f) => f.id === lastId, isUpdate, {
    timeoutMs: 60_000,
  });
  t.deepEqual(summary(all), summary(seen));
  t.is(runs, 50);
});

/** Whether a delivered event is this good message (its producer fields, spoolcast aside). */
function sameEvent(value: Record<string, unknown>, message: Message): boolean {
  if (message.kind !== 'good') return false;
  const { spoolcast: _, ...fields } = value;
  try {
    assert.deepEqual(fields, JSON.parse(message.text));
    return true;
  } catch {
    return false;
  }
}

async function rejectedTotal(gateway: Service, source: string): Promise<number> {
  let total = 0;
  for (const reason of REJECT_REASONS) {
    total += await metricValue(gateway, 'spoolcast_events_rejected_total', { reason, source });
  }
  return total;
}
