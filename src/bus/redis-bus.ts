/**
 * The Redis bus: one subscriber connection per process (whatever the number of clients) on
 * the producers' channel and the internal announce channel, plus one command connection for
 * storing and claiming. Survives Redis going away: ioredis reconnects and resubscribes, and
 * on every reconnect the bus reads what it missed from the stream before going live again.
 * Each job has its own file: intake (redis-intake.ts), health (redis-health.ts), the gap
 * fill (redis-gap-fill.ts over the pure stored-sequence.ts), claims (redis-claims.ts),
 * history reads (redis-history.ts) and the Lua scripts (redis-scripts.ts).
 */
import { randomUUID } from 'node:crypto';
import { compareIds } from '../domain/event-id.js';
import type { Logger } from '../observability/logger.js';
import type { Bus, BusHandlers, Epoch, StoredMessage } from './bus.js';
import { createClaimer } from './redis-claims.js';
import { createRedisConnection, type RedisTarget, redact } from './redis-connection.js';
import { createGapFiller } from './redis-gap-fill.js';
import { RedisHealth } from './redis-health.js';
import { readAfter, readDeadLetters, readSnapshot } from './redis-history.js';
import { createIntake } from './redis-intake.js';
import {
  type RedisNames,
  redisNames,
  type ScriptedRedis,
  storeEvent,
  withScripts,
} from './redis-scripts.js';
import { waitForReady, withTimeout } from './redis-wait.js';
import { StoredSequence } from './stored-sequence.js';

/** Longest one start-up or gap-fill step may take before it is retried. */
const STEP_TIMEOUT_MS = 10_000;

const pause = (ms: number) =>
  new Promise<void>((resolve) => {
    setTimeout(resolve, ms).unref();
  });

/** Redis bus settings (from config). */
export interface RedisBusOptions {
  /** Where Redis is: a URL or Sentinels (redis-connection.ts). */
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
  /** Called when the subscriber comes back after losing its connection. */
  onReconnect?: () => void;
  /** Heartbeat period: both connections are probed this often (redis-probe.ts). */
  pingIntervalMs: number;
  /** Called when the subscriber loses its connection, with the cause as far as it is known. */
  onSubscriberDrop?: (cause: string) => void;
  /** Called after each probe with the bytes Redis holds for the subscriber (omem). */
  onSubscriberBuffer?: (bytes: number) => void;
}

/** Creates the Redis bus; connections open on `start`. */
export function createRedisBus(options: RedisBusOptions): Bus {
  const names: RedisNames = redisNames(options.keyPrefix);
  const { logger } = options;
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

  let handlers: BusHandlers | null = null;
  let epoch: Epoch | null = null;
  let isStarted = false;
  let isStopped = false;
  const sequence = new StoredSequence<StoredMessage>(compareIds);
  const deliver = (batch: StoredMessage[]) => {
    if (batch.length > 0) handlers?.onStored(batch);
  };

  const health = new RedisHealth({
    sub,
    cmd,
    pingIntervalMs: options.pingIntervalMs,
    logger,
    onChange: (status) => handlers?.onStatus(status),
    ...(options.onSubscriberDrop ? { onSubscriberDrop: options.onSubscriberDrop } : {}),
    ...(options.onSubscriberBuffer ? { onSubscriberBuffer: options.onSubscriberBuffer } : {}),
  });

  sub.on(
    'messageBuffer',
    createIntake({
      channel: options.channel,
      announceChannel: names.announce,
      maxEventBytes: options.maxEventBytes,
      logger,
      onPlain: (batch) => handlers?.onPlain(batch),
      onStored: (batch) => deliver(sequence.live(batch)),
    }),
  );

  // The command connection may come back after the subscriber; wait for it, boundedly.
  const waitForCommands = async () => {
    if (!(await waitForReady(cmd, 10_000))) throw new Error('redis command connection not ready');
  };

  // The id of the newest stored event ('0-0' for an empty history).
  const newestId = async (): Promise<string> => {
    const newest = (await cmd.xrevrange(names.events, '+', '-', 'COUNT', 1)) as [
      string,
      string[],
    ][];
    return newest[0]?.[0] ?? '0-0';
  };

  // Reads (or creates) the epoch; a new one is marked incomplete when one was known before
  // (its data is gone).
  const ensureEpoch = async (): Promise<Epoch> => {
    const [id, incomplete] = await cmd.spoolcastEpoch(
      1,
      names.epoch,
      randomUUID(),
      epoch === null ? '0' : '1',
    );
    return { id: String(id), isIncomplete: incomplete === '1' };
  };

  const gapFill = createGapFiller({
    sequence,
    steps: {
      async checkEpoch() {
        await waitForCommands();
        const current = await ensureEpoch();
        const isReplaced = epoch !== null && current.id !== epoch.id;
        epoch = current;
        return { epoch: current, isReplaced };
      },
      readAfter: (cursor) => readAfter(cmd, names, cursor),
      newestId,
    },
    deliver,
    onHistoryBreak: (current) => handlers?.onHistoryBreak(current),
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

  const claimer = createClaimer({
    cmd,
    names,
    historySize: options.historySize,
    deadLetterSize: options.deadLetterSize,
    claimWindowMs: options.claimWindowMs,
    waitForCommands,
  });

  return {
    kind: 'redis',
    async start(h) {
      handlers = h;
      // Both connections retry on their own after a failed first attempt: a gateway started
      // while Redis is down becomes ready once Redis is up.
      cmd.connect().catch(() => undefined);
      sub.connect().catch(() => undefined);
      for (let attempt = 0; ; attempt += 1) {
        await Promise.all([waitForReady(cmd), waitForReady(sub)]);
        try {
          epoch = await withTimeout(ensureEpoch(), STEP_TIMEOUT_MS);
          // The position before subscribing: what is stored until the subscription is in
          // place is read back by the gap fill, and live events are held until then.
          sequence.startAt(await withTimeout(newestId(), STEP_TIMEOUT_MS));
          sequence.hold();
          await sub.subscribe(options.channel, names.announce);
          break;
        } catch (error) {
          logger.warn({ err: error }, 'redis start-up step failed; retrying');
          // Connected but refusing (read-only replica, OOM, ACL): back off, up to 5 s.
          await pause(Math.min(5000, 100 * 2 ** attempt));
        }
      }
      isStarted = true;
      health.subscribed();
      gapFill.request();
    },
    store: (request) =>
      storeEvent(cmd, names, request, {
        historySize: options.historySize,
        timeoutMs: options.publishTimeoutMs,
        replicaAcks: options.replicaAcks,
        redact: (text) => redact(options.target, text),
      }),
    claim: claimer.claim,
    async deadLetter(entry) {
      try {
        await claimer.writeDeadLetter(entry);
      } catch (error) {
        logger.warn({ err: error }, 'could not write a dead letter');
      }
    },
    readDeadLetters: (count) => readDeadLetters(cmd, names, count),
    async readAfter(cursor) {
      try {
        return await withTimeout(readAfter(cmd, names, cursor), STEP_TIMEOUT_MS);
      } catch {
        return { ok: false, reason: 'unavailable' };
      }
    },
    async snapshot() {
      if (!epoch) return null;
      try {
        return await withTimeout(readSnapshot(cmd, names, epoch), STEP_TIMEOUT_MS);
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
}
