/**
 * Stored events as the store writes them, for tests of the read side without a bus: the
 * producer text prepared by the write side's recipe, with an id.
 */
import type { StoredEvent } from '../../src/bus/feed.js';
import { idTimeMs } from '../../src/domain/event-id.js';
import { prepareEvent } from '../../src/domain/prepare-event.js';
import { spoolEvent } from './gateway.js';

/** The stored form of `payload` under `id` (default: `spoolEvent(n)` for id `<n>-0`). */
export function storedEvent(
  id: string,
  payload = spoolEvent(Number.parseInt(id, 10)),
): StoredEvent {
  const result = prepareEvent(payload, 65_536, 'America/Santiago');
  if (!result.ok) throw new Error(`storedEvent: not a valid event: ${payload}`);
  const { template, meta } = result.prepared;
  return { id, storedAtMs: idTimeMs(id) ?? 0, meta, template, receivedAtPerfMs: 0 };
}

/** Stored events with ids `<from>-0` … `<to - 1>-0`. */
export function storedEvents(from: number, to: number): StoredEvent[] {
  return Array.from({ length: to - from }, (_, i) => storedEvent(`${from + i}-0`));
}
