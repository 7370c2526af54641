/**
 * The Redis bus: one subscriber connection per process (whatever the number of clients) on
 * the producers' channel and the internal announce channel, plus one command connection for
 * storing, claiming and reading history. It offers the three seams: the feed (read side,
 * feed.ts), the store and the producers' channel (write side, scripts.ts and claims.ts).
 * Survives Redis going away: ioredis reconnects and resubscribes, and the feed reads back
 * what it missed before going live again.
 */
import type { Logger } from '../../observability/logger.js';
import type { EventFeed } from '../feed.js';
import type { EventStore, PlainChannel, PlainMessage } from '../store.js';
import { createClaimer } from './claims.js';
import { createRedisConnection, type RedisTarget, redact, waitForReady } from './connection.js';
import { createRedisFeed, type RedisFeedOptions } from './feed.js';
import { readDeadLetters } from './history.js';
import { createIntake } from './intake.js';
import { redisNames } from './names.js';
import { type ScriptedRedis, storeEvent, withScripts } from './scripts.js';

/** Redis bus settings (from config) and what it reports. */
export interface RedisBusOptions
  extends Pick<
    RedisFeedOptions,
    'pingIntervalMs' | 'onReconnect' | 'onSubscriberDrop' | 'onSubscriberBuffer' | 'onUnreadableRow'
  > {
  /** Where Redis is: a URL or Sentinels (connection.ts). */
  target: RedisTarget;
  /** Replicas that must confirm a stored event before `store` reports success (WAIT). */
  replicaAcks: number;
  channel: string;
  keyPrefix: string;
  historySize: number;
  deadLetterSize: number;
  claimWindowMs: number;
  publishTimeoutMs: number;
  /** Largest accepted plain message in bytes; larger ones are refused before decoding. */
  maxEventBytes: number;
  logger: Logger;
}

/** The Redis bus's seams. */
export interface RedisBus {
  feed: EventFeed;
  store: EventStore;
  plain: PlainChannel;
}

/** Creates the Redis bus; connections open when the feed starts. */
export function createRedisBus(options: RedisBusOptions): RedisBus {
  const names = redisNames(options.keyPrefix);
  // Subscriber: queues SUBSCRIBE until connected, resubscribes after reconnects.
  const sub = createRedisConnection(options.target, {
    lazyConnect: true,
    maxRetriesPerRequest: null,
    autoResubscribe: true,
    connectionName: 'spoolcast-sub',
  });
  // Commands fail fast while disconnected and are never replayed later: a publish reported
  // as failed must not be stored behind the caller's back.
  const cmd: ScriptedRedis = withScripts(
    createRedisConnection(options.target, {
      lazyConnect: true,
      enableOfflineQueue: false,
      autoResendUnfulfilledCommands: false,
      maxRetriesPerRequest: 0,
      connectionName: 'spoolcast-cmd',
    }),
  );
  // The command connection may come back after the subscriber; wait for it, boundedly.
  const waitForCommands = async () => {
    if (!(await waitForReady(cmd, 10_000))) throw new Error('redis command connection not ready');
  };

  const { feed, onAnnounced } = createRedisFeed({ ...options, sub, cmd, names, waitForCommands });
  let onPlain: ((batch: PlainMessage[]) => void) | null = null;
  // The one subscriber: plain messages to the write side, announcements to the feed.
  sub.on(
    'messageBuffer',
    createIntake({
      channel: options.channel,
      announceChannel: names.announce,
      maxEventBytes: options.maxEventBytes,
      logger: options.logger,
      onPlain: (batch) => onPlain?.(batch),
      onAnnounced,
    }),
  );

  const store: EventStore = {
    store: (request) =>
      storeEvent(cmd, names, request, {
        historySize: options.historySize,
        timeoutMs: options.publishTimeoutMs,
        replicaAcks: options.replicaAcks,
        redact: (text) => redact(options.target, text),
      }),
    readDeadLetters: (count) => readDeadLetters(cmd, names, count),
  };
  const { claim } = createClaimer({ ...options, cmd, names, waitForCommands });
  const plain: PlainChannel = {
    listen(handler) {
      onPlain = handler;
    },
    claim,
  };
  return { feed, store, plain };
}
