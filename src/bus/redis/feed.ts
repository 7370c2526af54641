/**
 * The Redis feed: stored events in storage order from the announcements the one subscriber
 * hears, kept gap-free and duplicate-free across reconnects (gap-fill.ts over the pure
 * stored-sequence.ts), the history behind them (history.ts) and whether events can flow
 * (health.ts).
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { pause, withTimeout } from '../../async/deadline.js';
import { compareIds } from '../../domain/event-id.js';
import type { Logger } from '../../observability/logger.js';
import type { Epoch, EventFeed, FeedHandlers, StoredEvent } from '../feed.js';
import { StoredSequence } from '../stored-sequence.js';
import { waitForReady } from './connection.js';
import { createGapFiller } from './gap-fill.js';
import { RedisHealth, type RedisHealthOptions } from './health.js';
import { readAfter, readSnapshot } from './history.js';
import type { RedisNames } from './names.js';
import type { ScriptedRedis } from './scripts.js';

/** Longest one start-up, gap-fill or history step may take before it fails or is retried. */
const STEP_TIMEOUT_MS = 10_000;
/** Events read per history page (gap fill). */
const GAP_FILL_PAGE = 1000;

/** What the feed is built on. */
export interface RedisFeedOptions
  extends Pick<RedisHealthOptions, 'pingIntervalMs' | 'onSubscriberDrop' | 'onSubscriberBuffer'> {
  sub: Redis;
  cmd: ScriptedRedis;
  names: RedisNames;
  /** The producers' channel, subscribed together with the announcements. */
  channel: string;
  logger: Logger;
  /** Resolves once the command connection is ready, or rejects after its own deadline. */
  waitForCommands(): Promise<void>;
  onReconnect?: () => void;
  onUnreadableRow?: (tag: string) => void;
}

/** The feed, and where the subscriber hands it announcements. */
export function createRedisFeed(options: RedisFeedOptions): {
  feed: EventFeed;
  onAnnounced(batch: StoredEvent[]): void;
} {
  const { sub, cmd, names, logger } = options;
  let handlers: FeedHandlers | null = null;
  let epoch: Epoch | null = null;
  let isStarted = false;
  let isStopped = false;
  const sequence = new StoredSequence<StoredEvent>(compareIds);
  const deliver = (batch: StoredEvent[]) => {
    if (batch.length > 0) handlers?.onEvents(batch);
  };
  const health = new RedisHealth({
    ...options,
    onChange: (status) => handlers?.onStatus(status),
  });

  // The id of the newest stored event ('0-0' for an empty history).
  const newestId = async (): Promise<string> => {
    const newest = await cmd.xrevrange(names.events, '+', '-', 'COUNT', 1);
    return newest[0]?.[0] ?? '0-0';
  };
  // Reads (or creates) the epoch; a new one is marked incomplete when one was known before
  // (its data is gone).
  const ensureEpoch = async (): Promise<Epoch> => {
    const isKnown = epoch === null ? '0' : '1';
    const [id, incomplete] = await cmd.spoolcastEpoch(1, names.epoch, randomUUID(), isKnown);
    return { id: String(id), isIncomplete: incomplete === '1' };
  };

  const gapFill = createGapFiller({
    sequence,
    steps: {
      async checkEpoch() {
        await options.waitForCommands();
        const current = await ensureEpoch();
        const isReplaced = epoch !== null && current.id !== epoch.id;
        epoch = current;
        return { epoch: current, isReplaced };
      },
      readAfter: (cursor) => readAfter(cmd, names, cursor, GAP_FILL_PAGE),
      newestId,
    },
    deliver,
    onHistoryBreak: (current, headId) => handlers?.onHistoryBreak(current, headId),
    isStopped: () => isStopped,
    logger,
    stepTimeoutMs: STEP_TIMEOUT_MS,
  });

  // ioredis emits 'ready' just before it re-sends SUBSCRIBE; a PING sent after that is
  // answered only once the subscription is back, so "ok" and the gap fill wait for it.
  sub.on('ready', () => {
    // Before start() has subscribed, 'ready' is start()'s business.
    if (isStopped || !isStarted) return;
    sequence.hold();
    setImmediate(() => {
      sub.ping().then(
        () => {
          health.subscribed();
          logger.info('redis subscriber reconnected and resubscribed');
          options.onReconnect?.();
          gapFill.request();
        },
        // Dropped again; the next 'ready' asks again (live events stay held).
        () => undefined,
      );
    });
  });

  // Subscribes once both connections answer; the position before subscribing is where the
  // gap fill starts (what is stored meanwhile is read back, live events held until then).
  const subscribe = async (): Promise<string> => {
    for (let attempt = 0; ; attempt += 1) {
      await Promise.all([waitForReady(cmd), waitForReady(sub)]);
      try {
        epoch = await withTimeout(ensureEpoch(), STEP_TIMEOUT_MS);
        const position = await withTimeout(newestId(), STEP_TIMEOUT_MS);
        sequence.startAt(position);
        sequence.hold();
        await sub.subscribe(options.channel, names.announce);
        return position;
      } catch (error) {
        logger.warn({ err: error }, 'redis start-up step failed; retrying');
        // Connected but refusing (read-only replica, OOM, ACL): back off, up to 5 s.
        await pause(Math.min(5000, 100 * 2 ** attempt));
      }
    }
  };

  const feed: EventFeed = {
    kind: 'redis',
    async start(h) {
      handlers = h;
      // Both connections retry on their own after a failed first attempt: a gateway started
      // while Redis is down becomes ready once Redis is up.
      cmd.connect().catch(() => undefined);
      sub.connect().catch(() => undefined);
      const position = await subscribe();
      isStarted = true;
      health.subscribed();
      gapFill.request();
      return position;
    },
    async readAfter(cursor, limit) {
      try {
        return await withTimeout(readAfter(cmd, names, cursor, limit), STEP_TIMEOUT_MS);
      } catch {
        return { ok: false, reason: 'unavailable' };
      }
    },
    async snapshot() {
      if (!epoch) return null;
      const onUnreadable = (tag: string) => options.onUnreadableRow?.(tag);
      try {
        return await withTimeout(readSnapshot(cmd, names, epoch, onUnreadable), STEP_TIMEOUT_MS);
      } catch {
        return null;
      }
    },
    epoch: () => epoch,
    status: () => health.status,
    async stop() {
      isStopped = true;
      health.stop();
      handlers = null;
      sub.disconnect();
      // A polite QUIT, but never wait on a Redis that does not answer.
      await withTimeout(cmd.quit(), 1000).catch(() => undefined);
      cmd.disconnect();
    },
  };
  return { feed, onAnnounced: (batch) => deliver(sequence.live(batch)) };
}
