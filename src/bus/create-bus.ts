/**
 * Chooses the bus from the settings: Redis when a URL or Sentinels are set, else the
 * embedded in-process bus (one instance only). Returns its seams: the feed for the read
 * side, the store and the producers' channel for the write side.
 */
import type { Logger } from '../observability/logger.js';
import type { EventFeed } from './feed.js';
import { createMemoryBus } from './memory-bus.js';
import {
  describeRedisTarget,
  type RedisTargetSettings,
  redisTargetOf,
} from './redis/connection.js';
import { createRedisBus, type RedisBusOptions } from './redis/redis-bus.js';
import type { EventStore, PlainChannel } from './store.js';

/** The settings the bus reads (the config's names, without its shape). */
export interface BusSettings extends RedisTargetSettings {
  publishReplicaAcks: number;
  spoolsChannel: string;
  redisKeyPrefix: string;
  historySize: number;
  deadLetterSize: number;
  claimWindowMs: number;
  publishTimeoutMs: number;
  maxEventBytes: number;
  pingIntervalMs: number;
}

/** A bus's seams. */
export interface Bus {
  feed: EventFeed;
  store: EventStore;
  /** The producers' channel; null on the embedded bus. */
  plain: PlainChannel | null;
}

/** What the Redis bus reports. */
export type RedisHooks = Pick<
  RedisBusOptions,
  'onReconnect' | 'onSubscriberDrop' | 'onSubscriberBuffer' | 'onUnreadableRow'
>;

/** Creates the bus the settings select. */
export function createBus(settings: BusSettings, logger: Logger, hooks: RedisHooks): Bus {
  const target = redisTargetOf(settings);
  if (!target) {
    logger.info('REDIS_URL is not set: using the embedded in-process bus (one instance only)');
    return createMemoryBus({ historySize: settings.historySize });
  }
  logger.info({ redis: describeRedisTarget(target) }, 'using redis');
  return createRedisBus({
    target,
    replicaAcks: settings.publishReplicaAcks,
    channel: settings.spoolsChannel,
    keyPrefix: settings.redisKeyPrefix,
    historySize: settings.historySize,
    deadLetterSize: settings.deadLetterSize,
    claimWindowMs: settings.claimWindowMs,
    publishTimeoutMs: settings.publishTimeoutMs,
    maxEventBytes: settings.maxEventBytes,
    pingIntervalMs: settings.pingIntervalMs,
    logger,
    ...hooks,
  });
}
