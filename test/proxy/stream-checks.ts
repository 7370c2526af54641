/** Checks shared by the proxy tests: an event arrives while the stream stays open; heartbeats keep it alive. */
import type { ExecutionContext } from 'ava';
import type { Service } from '../../src/service.js';
import { postEvent } from '../helpers/gateway.js';
import type { SseClient } from '../helpers/sse-client.js';

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
    const id = await postEvent(gateway.url, { event_type: 'TOMAR', tag_spool: `SPOOL-${n}`, n });
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
