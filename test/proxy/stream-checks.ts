/** Checks shared by the proxy tests: an event arrives while the stream stays open; heartbeats keep it alive. */
import type { ExecutionContext } from 'ava';
import type { Service } from '../../src/service.js';
import { checkedFetch } from '../helpers/api-contract.js';
import type { SseClient } from '../helpers/sse-client.js';

/** POSTs one event to `gateway` and resolves with its id. */
export async function publish(gateway: Service, n: number): Promise<string> {
  const response = await checkedFetch(`${gateway.url}/api/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ event_type: 'TOMAR', tag_spool: `SPOOL-${n}`, n }),
  });
  if (response.status !== 202) throw new Error(`POST answered ${response.status}`);
  return ((await response.json()) as { id: string }).id;
}

/**
 * Publishes `count` events one by one and checks each reaches every client while its stream
 * stays open. With heartbeats far apart nothing else flows, so a proxy that buffered would
 * hold the event back until the wait's deadline.
 */
export async function expectEventsAtOnce(
  t: ExecutionContext,
  gateway: Service,
  clients: SseClient[],
  count: number,
): Promise<void> {
  for (let n = 1; n <= count; n += 1) {
    const id = await publish(gateway, n);
    for (const client of clients) {
      const frame = await client.next((f) => f.event === 'spool_update' && f.id === id, {
        timeoutMs: 10_000,
      });
      t.is(JSON.parse(frame.data).n, n);
      t.false(client.isClosed);
    }
  }
}

/** Waits for heartbeats spanning `spanMs` of server time on one open stream; resolves the span. */
export async function heartbeatSpanMs(client: SseClient, spanMs: number): Promise<number> {
  const first = await client.next((f) => f.event === 'heartbeat');
  const startMs = Date.parse(JSON.parse(first.data).server_time);
  for (;;) {
    const beat = await client.next((f) => f.event === 'heartbeat');
    const span = Date.parse(JSON.parse(beat.data).server_time) - startMs;
    if (span >= spanMs) return span;
  }
}
