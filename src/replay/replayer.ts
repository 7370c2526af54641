/**
 * Starts a stream at the right place: after a cursor (replay), from a snapshot, or with a
 * resync when the cursor cannot be served. Recent cursors are served from the frame cache;
 * older ones from the bus history, enriched through the same pool as live events. Live
 * frames are held by the hub meanwhile, so the switch to live has no gap and no duplicate.
 */
import type { Bus, StoredMessage } from '../bus/bus.js';
import type { ItemResult } from '../domain/batch.js';
import type { ClientStream } from '../stream/client-stream.js';
import { frameBatch } from '../stream/event-frames.js';
import type { CachedFrame, FrameCache } from '../stream/frame-cache.js';
import type { Hub } from '../stream/hub.js';
import { formatResync, formatSnapshot } from '../stream/sse-frame.js';
import type { StartPosition } from './start-position.js';

/** What the replayer needs. */
export interface ReplayerDeps {
  bus: Bus;
  /** Enriches events read from the history: the live pipeline's own step (flow.ts). */
  enrich: (events: StoredMessage[]) => Promise<ItemResult[]>;
  hub: Hub;
  cache: FrameCache;
  /** Counts how streams start (live, replay, snapshot, resync) and replayed events. */
  onStart?: (mode: StartPosition['kind'], replayedEvents: number) => void;
}

/** Starts streams and restarts them after a history break. */
export interface Replayer {
  /** Registers the response with the hub and brings it to live from `position`. */
  open(res: import('node:http').ServerResponse, position: StartPosition): ClientStream;
  /** Every client resyncs (the history was replaced or this gateway lost its place). */
  resyncAll(): void;
}

type Frames =
  | { ok: true; text: string | Buffer; throughId: string; count: number }
  | { ok: false; reason: string };

/** Creates the replayer. */
export function createReplayer(deps: ReplayerDeps): Replayer {
  const { bus, hub, cache } = deps;

  // In a reconnect storm thousands of clients resume from the same cursor: join and encode
  // their replay once and write the same bytes to each (10k clients × 100 events).
  let lastReplay: { key: string; frames: Frames } | null = null;
  const joinCached = (frames: CachedFrame[], cursor: string): Frames => {
    const throughId = frames.at(-1)?.id ?? cursor;
    const key = `${cursor}>${throughId}`;
    if (lastReplay?.key === key) return lastReplay.frames;
    const text = Buffer.from(frames.map((f) => f.frame).join(''));
    const joined: Frames = { ok: true, text, throughId, count: frames.length };
    lastReplay = { key, frames: joined };
    return joined;
  };

  // Frames after `cursor`: from memory when recent, else read and enriched again.
  const framesAfter = async (cursor: string): Promise<Frames> => {
    const cached = cache.after(cursor);
    if (cached) return joinCached(cached, cursor);
    const read = await bus.readAfter(cursor);
    if (!read.ok) return read;
    // The same enrich and framing steps as live events, so the bytes are the same. A
    // rejected one was counted and dead-lettered when it was first broadcast.
    const results = await deps.enrich(read.events);
    const frames = frameBatch(
      read.events.map((m) => m.id),
      results,
    );
    const throughId = read.events.at(-1)?.id ?? cursor;
    return { ok: true, text: frames.text, throughId, count: frames.entries.length };
  };

  const fromSnapshot = async (prefix: string): Promise<Frames> => {
    const snapshot = await bus.snapshot();
    if (!snapshot) return { ok: false, reason: 'unavailable' };
    const rest = await framesAfter(snapshot.as_of);
    if (!rest.ok) return rest;
    const head = prefix + formatSnapshot(snapshot.as_of, JSON.stringify(snapshot));
    const text =
      typeof rest.text === 'string'
        ? head + rest.text
        : Buffer.concat([Buffer.from(head), rest.text]);
    return { ...rest, text };
  };

  const begin = async (
    client: ClientStream,
    position: StartPosition,
    generation: number,
    shared?: Promise<Frames>,
  ) => {
    let frames: Frames;
    let mode = position.kind;
    if (shared) {
      frames = await shared;
    } else if (position.kind === 'cursor') {
      frames = await framesAfter(position.cursor);
      if (!frames.ok && frames.reason !== 'unavailable') {
        mode = 'resync';
        frames = await fromSnapshot(formatResync(frames.reason, bus.epoch()?.id ?? null));
      }
    } else if (position.kind === 'snapshot') {
      frames = await fromSnapshot('');
    } else if (position.kind === 'resync') {
      frames = await fromSnapshot(formatResync(position.reason, bus.epoch()?.id ?? null));
    } else {
      frames = { ok: true, text: '', throughId: '', count: 0 };
    }
    // A newer catch-up (history break) or a disconnect superseded this one.
    if (client.isClosed || client.catchUpId !== generation) return;
    if (!frames.ok) {
      // The history is unreachable: cut, and the client comes back with its cursor.
      hub.drop(client, 'replay_unavailable');
      return;
    }
    hub.goLive(client, frames.text, frames.throughId === '' ? null : frames.throughId);
    deps.onStart?.(mode, frames.count);
  };

  return {
    open(res, position) {
      const resumedFrom = position.kind === 'cursor' ? position.cursor : null;
      const client = hub.add(res, position.kind !== 'live', resumedFrom);
      if (position.kind === 'live') {
        deps.onStart?.('live', 0);
        return client;
      }
      void begin(client, position, client.catchUpId);
      return client;
    },
    resyncAll() {
      cache.clear();
      lastReplay = null;
      const clients = hub.allClients();
      // Back into catch-up (history break): live frames are held again.
      const generations = clients.map((client) => client.holdLive());
      // Every client needs the same resync: read the snapshot and what follows it once and
      // write the same bytes to all, rather than one snapshot read per client at the very
      // moment Redis has just lost its data.
      const shared = fromSnapshot(formatResync('history_replaced', bus.epoch()?.id ?? null)).then(
        (frames): Frames =>
          frames.ok && typeof frames.text === 'string'
            ? { ...frames, text: Buffer.from(frames.text) }
            : frames,
      );
      clients.forEach((client, i) => {
        void begin(
          client,
          { kind: 'resync', reason: 'history_replaced' },
          generations[i] as number,
          shared,
        );
      });
    },
  };
}
