/**
 * Catch-up, in one place: a new stream starts live, after a cursor (replay), or from a
 * snapshot; a cursor that cannot be continued from becomes a resync (a `resync` frame and a
 * snapshot); a history break sends every stream through a resync again. What a stream
 * missed comes from the event log — from memory when it covers the cursor, else page by
 * page from the history — and the stream joins the fan-out in the same turn as its last
 * read from memory, so the switch to live has no gap and no duplicate.
 */
import type { ServerResponse } from 'node:http';
import type { Snapshot } from '../bus/feed.js';
import type { Resync } from '../contract/frames.js';
import type { StreamFilter } from '../domain/stream-filter.js';
import type { ClientStream, CutReason, StreamOptions } from '../stream/client-stream.js';
import { selectFrames } from '../stream/frame-events.js';
import type { Hub } from '../stream/hub.js';
import { formatResync, formatSnapshot } from '../stream/sse-frame.js';
import type { EventLog } from './event-log.js';
import type { StartPosition } from './start-position.js';

/** How a stream started, for the metric. */
export type StartMode = StartPosition['kind'];

/** What catch-up needs. */
export interface CatchUpDeps {
  log: EventLog;
  hub: Hub;
  /** Events per history page (default 1000). */
  pageSize?: number;
  /** Counts how streams start and the events replayed to them. */
  onStart?: (mode: StartMode, replayedEvents: number) => void;
}

/** Starts streams, and restarts them all after a history break. */
export interface CatchUp {
  /**
   * Opens a stream with the hub and brings it to live from `position`; every event and
   * snapshot row it is written passes its filter, on every path (live, replay, snapshot,
   * resync).
   */
  open(res: ServerResponse, position: StartPosition, options?: StreamOptions): ClientStream;
  /** Every open stream resyncs (the history was replaced or this gateway lost its place). */
  resyncAll(): void;
}

const DEFAULT_PAGE_SIZE = 1000;
/**
 * Pages a catch-up may read before it gives up (the history moving on faster than it
 * reads); the stream is then cut and comes back with its cursor.
 */
const MAX_PAGES = 100;

/** The snapshot with only the rows `filter` selects. */
export function filterSnapshot(snapshot: Snapshot, filter: StreamFilter): Snapshot {
  return { ...snapshot, spools: snapshot.spools.filter((row) => filter.matchesRow(row)) };
}

/**
 * In a reconnect storm thousands of streams resume from the same cursor with the same
 * filter: their replay is joined once and the same bytes written to each. Keyed by filter
 * too, so a replay is never served across restrictions.
 */
class ReplayMemo {
  private last: { key: string; bytes: Buffer; count: number } | null = null;

  /** What follows `cursor` in the log's memory for `filter`, or null when not covered. */
  get(log: EventLog, cursor: string, filter: StreamFilter) {
    const key = `${filter.key}\n${cursor}\n${log.newestSeq}`;
    if (this.last?.key === key) return this.last;
    const read = log.memoryAfter(cursor);
    if (read === null) return null;
    const { bytes } = selectFrames(read.entries, filter);
    this.last = { key, bytes, count: read.entries.length };
    return this.last;
  }

  clear(): void {
    this.last = null;
  }
}

/**
 * The snapshot frame per snapshot and filter (only the rows the filter selects), serialised
 * and encoded once however many streams get it: the log shares one snapshot read among the
 * streams that ask at once.
 */
class SnapshotFrames {
  private readonly frames = new WeakMap<Snapshot, Map<string, Buffer>>();

  of(snapshot: Snapshot, filter: StreamFilter): Buffer {
    let byFilter = this.frames.get(snapshot);
    if (!byFilter) {
      byFilter = new Map();
      this.frames.set(snapshot, byFilter);
    }
    let frame = byFilter.get(filter.key);
    if (frame === undefined) {
      const shown = filter.key === '' ? snapshot : filterSnapshot(snapshot, filter);
      frame = Buffer.from(formatSnapshot(snapshot.as_of, JSON.stringify(shown)));
      byFilter.set(filter.key, frame);
    }
    return frame;
  }
}

/** Creates the catch-up owner. */
export function createCatchUp(deps: CatchUpDeps): CatchUp {
  const { log, hub } = deps;
  const pageSize = deps.pageSize ?? DEFAULT_PAGE_SIZE;
  /** The catch-up each stream is on: a restarted one makes an older one stop. */
  const generations = new WeakMap<ClientStream, number>();
  const replays = new ReplayMemo();
  const snapshotFrames = new SnapshotFrames();

  // From memory, in this turn: writes what follows `cursor` and joins the fan-out. Returns
  // the events replayed, or null when memory does not cover the cursor.
  const joinFromMemory = (client: ClientStream, cursor: string): number | null => {
    const replay = replays.get(log, cursor, client.filter);
    if (replay === null) return null;
    if (replay.bytes.length > 0) client.write(replay.bytes);
    hub.join(client, { sentSeq: log.newestSeq, skipThroughId: null });
    return replay.count;
  };

  const run = async (
    client: ClientStream,
    position: StartPosition,
    generation: number,
  ): Promise<void> => {
    const isCurrent = () => !client.isClosed && generations.get(client) === generation;
    const stop = (reason: CutReason) => {
      if (isCurrent()) hub.cut(client, reason);
    };
    // A stream joins only once the log knows where it starts.
    await log.started;
    if (!isCurrent()) return;
    if (position.kind === 'live') {
      hub.join(client, { sentSeq: log.newestSeq, skipThroughId: null });
      deps.onStart?.('live', 0);
      return;
    }
    let mode: StartMode = position.kind;
    let replayed = 0;
    // Where the stream is: what it was written goes through `from`.
    let from = position.kind === 'cursor' ? position.cursor : '';
    // Set once `from` came from the history (a page or a snapshot) that was complete when
    // read: if the log has not reached it yet, the stream joins and skips up to it.
    let isFromCompleteRead = false;

    const startFromSnapshot = async (resyncReason: Resync['reason'] | null): Promise<boolean> => {
      const snapshot = await log.snapshot();
      if (!isCurrent()) return false;
      if (snapshot === null) {
        stop('replay_unavailable');
        return false;
      }
      if (resyncReason !== null) client.write(formatResync(resyncReason, snapshot.epoch));
      client.write(snapshotFrames.of(snapshot, client.filter));
      from = snapshot.as_of;
      isFromCompleteRead = true;
      return true;
    };

    if (position.kind !== 'cursor') {
      if (!(await startFromSnapshot(position.kind === 'resync' ? position.reason : null))) return;
    }
    for (let page = 0; page < MAX_PAGES; page += 1) {
      const fromMemory = joinFromMemory(client, from);
      if (fromMemory !== null) {
        deps.onStart?.(mode, replayed + fromMemory);
        return;
      }
      if (isFromCompleteRead && log.isAhead(from)) {
        hub.join(client, { sentSeq: log.newestSeq, skipThroughId: from });
        deps.onStart?.(mode, replayed);
        return;
      }
      const read = await log.readHistory(from, pageSize);
      if (!isCurrent()) return;
      if (!read.ok) {
        // The history is unreachable: cut, and the client comes back with its cursor.
        if (read.reason === 'unavailable' || mode !== 'cursor') return stop('replay_unavailable');
        mode = 'resync';
        if (!(await startFromSnapshot(read.reason))) return;
        continue;
      }
      const frames = selectFrames(read.events, client.filter);
      if (frames.count > 0) client.write(frames.bytes);
      replayed += read.events.length;
      from = read.throughId;
      isFromCompleteRead = read.isComplete;
    }
    stop('replay_unavailable');
  };

  const begin = (client: ClientStream, position: StartPosition) => {
    const generation = (generations.get(client) ?? 0) + 1;
    generations.set(client, generation);
    void run(client, position, generation);
  };

  return {
    open(res, position, options = {}) {
      const resumedFrom = position.kind === 'cursor' ? position.cursor : null;
      const client = hub.open(res, { ...options, resumedFrom });
      begin(client, position);
      return client;
    },
    resyncAll() {
      replays.clear();
      // Every stream, live or still catching up, starts again from a snapshot: they ask
      // at once, so the log reads it once for all of them.
      const clients = hub.openClients();
      for (const client of clients) hub.detach(client);
      for (const client of clients) begin(client, { kind: 'resync', reason: 'history_replaced' });
    },
  };
}
