/**
 * The Redis bus: one subscriber connection per process (whatever the number of clients) on
 * the producers' channel and the internal announce channel, plus one command connection for
 * storing and claiming. Survives Redis going away: ioredis reconnects and resubscribes, and
 * on every reconnect the bus reads what it missed from the stream before going live again.
 */
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import type { Logger } from '../observability/logger.js';
import type {
  Bus,
  BusHandlers,
  BusStatus,
  ClaimItem,
  DeadLetter,
  PlainMessage,
  StoredMessage,
  StoreResult,
} from './bus.js';
import { compareIds, idTimeMs } from './event-id.js';
import {
  DEAD_LETTER_PAYLOAD_MAX_CHARS,
  parseAnnouncement,
  type RedisNames,
  redisNames,
  type ScriptedRedis,
  withScripts,
} from './redis-scripts.js';

/** Redis bus settings (from config). */
export interface RedisBusOptions {
  url: string;
  channel: string;
  keyPrefix: string;
  historySize: number;
  deadLetterSize: number;
  claimWindowMs: number;
  publishTimeoutMs: number;
  logger: Logger;
  /** Called when the subscriber comes back after losing its connection. */
  onReconnect?: () => void;
  /** Called when a plain message could not be claimed because Redis failed. */
  onClaimFailed?: (count: number) => void;
}

/** Creates the Redis bus; connections open on `start`. */
export function createRedisBus(options: RedisBusOptions): Bus {
  const names: RedisNames = redisNames(options.keyPrefix);
  const { logger } = options;
  // Subscriber: queues SUBSCRIBE until connected, resubscribes after reconnects.
  const sub = new Redis(options.url, {
    lazyConnect: true,
    maxRetriesPerRequest: null,
    autoResubscribe: true,
    connectionName: 'spoolcast-sub',
  });
  // Commands fail fast while disconnected and are never replayed later: a publish reported
  // as failed must not be stored behind the caller's back.
  const cmd: ScriptedRedis = withScripts(
    new Redis(options.url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      autoResendUnfulfilledCommands: false,
      maxRetriesPerRequest: 0,
      connectionName: 'spoolcast-cmd',
    }),
  );

  let handlers: BusHandlers | null = null;
  let status: BusStatus = 'down';
  let isSubscribed = false;
  let lastId: string | null = null;
  let hasBeenReady = false;
  let isGapFilling = false;
  let heldDuringGapFill: StoredMessage[] = [];
  let plainBatch: PlainMessage[] = [];
  let storedBatch: StoredMessage[] = [];
  let isFlushScheduled = false;
  let isStopped = false;

  // "ok" means events can flow end to end: subscribed, and able to store (claims go
  // through the command connection, which may come back later than the subscriber).
  const refreshStatus = () => {
    const next: BusStatus = isSubscribed && cmd.status === 'ready' && !isStopped ? 'ok' : 'down';
    if (next === status) return;
    status = next;
    handlers?.onStatus(next);
  };

  // Hands on only ids newer than the last one delivered: gap fill and live announcements
  // may overlap around a reconnect, and this is where the duplicates are dropped.
  const deliverStored = (batch: StoredMessage[]) => {
    const fresh: StoredMessage[] = [];
    for (const message of batch) {
      if (lastId !== null && compareIds(message.id, lastId) <= 0) continue;
      lastId = message.id;
      fresh.push(message);
    }
    if (fresh.length > 0) handlers?.onStored(fresh);
  };

  // Messages read from one socket chunk arrive in one tick: hand them on as one batch.
  const flush = () => {
    isFlushScheduled = false;
    const plain = plainBatch;
    const stored = storedBatch;
    plainBatch = [];
    storedBatch = [];
    if (plain.length > 0) handlers?.onPlain(plain);
    if (stored.length === 0) return;
    if (isGapFilling) heldDuringGapFill.push(...stored);
    else deliverStored(stored);
  };
  const scheduleFlush = () => {
    if (isFlushScheduled) return;
    isFlushScheduled = true;
    setImmediate(flush);
  };

  sub.on('message', (channel: string, message: string) => {
    const receivedAtPerfMs = performance.now();
    if (channel === options.channel) {
      plainBatch.push({ payload: message, receivedAtPerfMs });
    } else if (channel === names.announce) {
      const parsed = parseAnnouncement(message);
      const storedAtMs = parsed ? idTimeMs(parsed.id) : null;
      if (!parsed || storedAtMs === null) {
        logger.warn({ channel }, 'ignored a malformed message on the internal announce channel');
        return;
      }
      storedBatch.push({ id: parsed.id, payload: parsed.payload, storedAtMs, receivedAtPerfMs });
    }
    scheduleFlush();
  });

  // Reads everything stored after the last delivered id, then releases what arrived live
  // meanwhile, so the pipeline sees one gap-free sequence. The caller has already set
  // `isGapFilling`, before the resubscription, so no live event can overtake the gap.
  const fillGap = async () => {
    try {
      await waitForCommandConnection();
      let cursor = lastId;
      for (;;) {
        const start = cursor === null ? '-' : `(${cursor}`;
        const rows = (await cmd.xrange(names.events, start, '+', 'COUNT', 1000)) as [
          string,
          string[],
        ][];
        const now = performance.now();
        const batch: StoredMessage[] = [];
        for (const [id, fields] of rows) {
          const payload = fields[fields.indexOf('p') + 1] ?? '';
          batch.push({
            id,
            payload,
            storedAtMs: idTimeMs(id) ?? Date.now(),
            receivedAtPerfMs: now,
          });
          cursor = id;
        }
        deliverStored(batch);
        if (rows.length < 1000) break;
      }
    } catch (error) {
      logger.warn({ err: error }, 'gap fill after reconnect failed; live events continue');
    } finally {
      isGapFilling = false;
      const held = heldDuringGapFill;
      heldDuringGapFill = [];
      deliverStored(held);
    }
  };

  // ioredis emits 'ready' just before it re-sends SUBSCRIBE; a PING sent after that is
  // answered only once the subscription is back, so "ok" and the gap fill wait for it.
  const confirmResubscribed = async () => {
    try {
      await sub.ping();
    } catch {
      isGapFilling = false;
      return; // dropped again; the next 'ready' retries
    }
    isSubscribed = true;
    refreshStatus();
    logger.info('redis subscriber reconnected and resubscribed');
    options.onReconnect?.();
    if (lastId === null) {
      // Nothing delivered yet, so there is no position to resume from.
      isGapFilling = false;
      deliverStored(heldDuringGapFill.splice(0));
      return;
    }
    await fillGap();
  };

  sub.on('ready', () => {
    if (isStopped) return;
    if (!hasBeenReady) {
      hasBeenReady = true; // start() reports "ok" once its SUBSCRIBE is confirmed
      return;
    }
    isGapFilling = true;
    setImmediate(() => void confirmResubscribed());
  });
  for (const event of ['close', 'reconnecting', 'end'] as const) {
    sub.on(event, () => {
      if (!isStopped && isSubscribed)
        logger.warn({ event }, 'redis subscriber lost its connection');
      isSubscribed = false;
      refreshStatus();
    });
    cmd.on(event, refreshStatus);
  }
  cmd.on('ready', refreshStatus);
  // Errors are reported through the state events above; without a listener ioredis would
  // print each reconnect failure as an unhandled error.
  sub.on('error', (error: Error) => logger.debug({ err: error }, 'redis subscriber error'));
  cmd.on('error', (error: Error) => logger.debug({ err: error }, 'redis command connection error'));

  // The command connection may come back after the subscriber; wait for it, boundedly.
  const waitForCommandConnection = async () => {
    if (cmd.status === 'ready') return;
    await withTimeout(new Promise<void>((resolve) => cmd.once('ready', () => resolve())), 10_000);
  };

  // Fails a Redis call after the publish timeout rather than leaving the caller hanging.
  const withTimeout = async <T>(
    work: Promise<T>,
    timeoutMs = options.publishTimeoutMs,
  ): Promise<T> => {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`redis did not answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([work, deadline]);
    } finally {
      clearTimeout(timer);
    }
  };

  const writeDeadLetter = (entry: DeadLetter, claimKey?: string) => {
    const keys = claimKey ? [names.deadLetters, claimKey] : [names.deadLetters];
    return cmd.spoolcastDeadLetter(
      keys.length,
      ...keys,
      options.deadLetterSize,
      options.claimWindowMs,
      entry.reason,
      entry.detail,
      entry.payload.slice(0, DEAD_LETTER_PAYLOAD_MAX_CHARS),
      entry.source,
    );
  };

  return {
    kind: 'redis',
    async start(h) {
      handlers = h;
      await Promise.all([cmd.connect(), sub.connect()]);
      await sub.subscribe(options.channel, names.announce);
      isSubscribed = true;
      refreshStatus();
    },
    async store(payload): Promise<StoreResult> {
      try {
        const id = await withTimeout(
          cmd.spoolcastStore(1, names.events, payload, options.historySize, names.announce, 0),
        );
        return id ? { ok: true, id } : { ok: false, reason: 'redis did not store the event' };
      } catch (error) {
        return { ok: false, reason: `redis unavailable: ${(error as Error).message}` };
      }
    },
    async claim(items: ClaimItem[]) {
      // The subscriber can be back before the command connection: wait for it (bounded)
      // rather than drop what this replica received meanwhile.
      try {
        await waitForCommandConnection();
      } catch {
        options.onClaimFailed?.(items.length);
        return;
      }
      // Issued back to back on one connection, so Redis runs the claims in arrival order and
      // the stream order matches the channel order on every replica.
      const results = await Promise.allSettled(
        items.map((item) => {
          const claimKey = `${names.claimPrefix}${item.claimKey}`;
          if (item.rejected) {
            const entry: DeadLetter = {
              ...item.rejected,
              payload: item.payload,
              source: 'redis',
              atMs: Date.now(),
            };
            return writeDeadLetter(entry, claimKey);
          }
          return cmd.spoolcastStore(
            2,
            names.events,
            claimKey,
            item.payload,
            options.historySize,
            names.announce,
            options.claimWindowMs,
          );
        }),
      );
      const failed = results.filter((r) => r.status === 'rejected').length;
      if (failed > 0) options.onClaimFailed?.(failed);
    },
    async deadLetter(entry) {
      try {
        await writeDeadLetter(entry);
      } catch (error) {
        logger.warn({ err: error }, 'could not write a dead letter');
      }
    },
    async readDeadLetters(count) {
      const rows = (await cmd.xrevrange(names.deadLetters, '+', '-', 'COUNT', count)) as [
        string,
        string[],
      ][];
      return rows.reverse().map(([id, fields]) => {
        const get = (name: string) => fields[fields.indexOf(name) + 1] ?? '';
        return {
          reason: get('reason') as DeadLetter['reason'],
          detail: get('detail'),
          payload: get('payload'),
          source: get('source') as DeadLetter['source'],
          atMs: idTimeMs(id) ?? 0,
        };
      });
    },
    status: () => status,
    async stop() {
      isStopped = true;
      handlers = null;
      sub.disconnect();
      await cmd.quit().catch(() => cmd.disconnect());
    },
  };
}
