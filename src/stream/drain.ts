/**
 * Runs a drain plan against the hub: one timer walks the schedule from drain-plan.ts and
 * ends each stream at its moment with a jittered `retry:` first, so its browser reconnects
 * (to another replica, this one being unready) after a spread-out delay with Last-Event-ID.
 */
import type { ClientStream } from './client-stream.js';
import { countDue, drainTickMs, planDrainCloses } from './drain-plan.js';
import type { Hub } from './hub.js';

/** What a drain did, for the one shutdown log line. */
export interface DrainReport {
  /** Streams open when the window started. */
  streams: number;
  /** Of those, closed by the drain (the rest went away on their own meanwhile). */
  closed: number;
  /** Offsets of the first and last close from the start of the window, in ms. */
  firstCloseMs: number | null;
  lastCloseMs: number | null;
  /** Length of the window actually taken, in ms. */
  durationMs: number;
}

/** Ends every stream open now, spread at random over `windowMs`; resolves when all are ended. */
export function drainStreams(
  hub: Hub,
  options: { windowMs: number; retryMs: number; random?: () => number },
): Promise<DrainReport> {
  const clients: ClientStream[] = hub.openClients();
  const plan = planDrainCloses(clients.length, options.windowMs, options.random);
  const startedAt = performance.now();
  const report: DrainReport = {
    streams: clients.length,
    closed: 0,
    firstCloseMs: null,
    lastCloseMs: null,
    durationMs: 0,
  };
  let next = 0;
  return new Promise((resolve) => {
    const tick = () => {
      const elapsedMs = performance.now() - startedAt;
      const due = countDue(plan, next, elapsedMs);
      for (const entry of plan.slice(next, next + due)) {
        const client = clients[entry.index] as ClientStream;
        if (client.isClosed) continue;
        hub.release(client, options.retryMs);
        report.closed += 1;
        report.firstCloseMs ??= Math.round(elapsedMs);
        report.lastCloseMs = Math.round(elapsedMs);
      }
      next += due;
      if (next < plan.length) {
        setTimeout(tick, drainTickMs(options.windowMs));
        return;
      }
      report.durationMs = Math.round(performance.now() - startedAt);
      resolve(report);
    };
    tick();
  });
}
