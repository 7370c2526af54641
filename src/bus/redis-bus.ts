/**
 * The Redis bus: one subscriber connection per process (whatever the number of clients) on
 * the producers' channel and the internal announce channel, plus one command connection for
 * storing and claiming. Survives Redis going away: ioredis reconnects and resubscribes, and
 * on every reconnect the bus reads what it missed from the stream before going live again.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { BusHealth } from '../domain/bus-health.js';
import { decodePayload } from '../domain/decode-payload.js';
import { compareIds, idTimeMs } from '../domain/event-id.js';
import type { Logger } from '../observability/logger.js';
import type {
  Bus,
  BusHandlers,
  ClaimItem,
  DeadLetter,
  Epoch,
  PlainMessage,
  StoredMessage,
} from './bus.js';
import { createRedisConnection, type RedisTarget, redact } from './redis-connection.js';
import { readAfter, readDeadLetters, readSnapshot } from './redis-history.js';
import { BusProbe, probeTimeoutMs } from './redis-probe.js';
import {
  DEAD_LETTER_PAYLOAD_MAX_CHARS,
  parseAnnouncement,
  type RedisNames,
  redisNames,
  runStore,
  type ScriptedRedis,
  storeEvent,
  withScripts,
} from './redis-scripts.js';
import { waitForReady, withTimeout } from './redis-wait.js';

/** Longest a gap-fill step may take before it is retried. */
const GAP_FILL_TIMEOUT_MS = 10_000;
/** Pause between gap-fill attempts while Redis misbehaves. */
const GAP_FILL_RETRY_MS = 500;

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
  /** Called when a plain message could not be claimed because Redis failed. */
  onClaimFailed?: (count: number) => void;
  /** Heartbeat period: both connections are probed this often (redis-probe.ts). */
  pingIntervalMs: number;
  /** Called when the subscriber loses its connection, with the cause as far as it is known. */
  onSubscriberDrop?: (cause: string) => void;
  /** Called after each probe with the bytes Redis holds for the subscriber (omem). */
  onSubscriberBuffer?: (bytes: number) => void;
}

/** Redis refusing our credentials or permissions: a configuration problem, logged at error. */
const AUTH_ERROR = /^(WRONGPASS|NOAUTH|NOPERM)\b/;

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
  let status: BusHealth = 'down';
  let isSubscribed = false;
  let lastId: string | null = null;
  let epoch: Epoch | null = null;
  let isStarted = false;
  let isGapFilling = false;
  let heldDuringGapFill: StoredMessage[] = [];
  let plainBatch: PlainMessage[] = [];
  let storedBatch: StoredMessage[] = [];
  let isFlushScheduled = false;
  let isStopped = false;

  // Both connections answer a PING under a deadline, or the bus is down: a frozen Redis
  // keeps its sockets open and ioredis would go on calling them ready.
  const probe = new BusProbe({
    targets: { subscriber: sub, commands: cmd },
    intervalMs: Math.max(100, options.pingIntervalMs),
    timeoutMs: probeTimeoutMs(options.pingIntervalMs),
    onChange(isHealthy, failed) {
      if (isHealthy) logger.info('redis answers the health probe again');
      else logger.warn({ failed }, 'redis did not answer the health probe in time: bus down');
      refreshStatus();
    },
    onRound: async () => {
      if (!options.onSubscriberBuffer) return;
      const bytes = await readSubscriberBuffer();
      if (bytes !== null) options.onSubscriberBuffer(bytes);
    },
  });

  // Redis's output buffer for our subscriber (CLIENT LIST `omem`): what Redis holds that we
  // have not read yet. Past `client-output-buffer-limit pubsub` Redis drops the connection.
  const readSubscriberBuffer = async (): Promise<number | null> => {
    const localPort = (sub as unknown as { stream?: { localPort?: number } }).stream?.localPort;
    if (!localPort || isClientListRefused) return null;
    try {
      const list = String(await cmd.call('CLIENT', 'LIST', 'TYPE', 'pubsub'));
      const line = list
        .split('\n')
        .find((l) => / name=spoolcast-sub /.test(l) && l.includes(`:${localPort} `));
      const omem = line ? /\bomem=(\d+)/.exec(line)?.[1] : undefined;
      return omem === undefined ? null : Number(omem);
    } catch {
      // Managed Redis often renames or disables CLIENT: stop asking.
      isClientListRefused = true;
      return null;
    }
  };
  let isClientListRefused = false;

  // "ok" means events can flow end to end: subscribed, able to store (claims go through
  // the command connection, which may come back later than the subscriber), and answering.
  const refreshStatus = () => {
    const isFlowing = isSubscribed && cmd.status === 'ready' && probe.isHealthy;
    const next: BusHealth = isFlowing && !isStopped ? 'ok' : 'down';
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

  // Buffers, not strings: ioredis would decode every message as lossy UTF-8 (U+FFFD for
  // bad bytes) and decode a 10 MB message before anyone could refuse it.
  sub.on('messageBuffer', (channelBytes: Buffer, bytes: Buffer) => {
    const receivedAtPerfMs = performance.now();
    const channel = channelBytes.toString();
    if (channel === options.channel) {
      const decoded = decodePayload(bytes, options.maxEventBytes);
      plainBatch.push(
        decoded.ok
          ? { payload: decoded.text, bytes, receivedAtPerfMs }
          : {
              payload: bytes.subarray(0, DEAD_LETTER_PAYLOAD_MAX_CHARS).toString(),
              bytes,
              refused: { reason: decoded.reason, detail: decoded.detail },
              receivedAtPerfMs,
            },
      );
    } else if (channel === names.announce) {
      // Our own script wrote it from text that passed decodePayload.
      const parsed = parseAnnouncement(bytes.toString());
      const storedAtMs = parsed ? idTimeMs(parsed.id) : null;
      if (!parsed || storedAtMs === null) {
        logger.warn({ channel }, 'ignored a malformed message on the internal announce channel');
        return;
      }
      storedBatch.push({ id: parsed.id, payload: parsed.payload, storedAtMs, receivedAtPerfMs });
    }
    scheduleFlush();
  });

  // The id of the newest stored event ('0-0' for an empty history).
  const newestId = async (): Promise<string> => {
    const newest = (await cmd.xrevrange(names.events, '+', '-', 'COUNT', 1)) as [
      string,
      string[],
    ][];
    return newest[0]?.[0] ?? '0-0';
  };

  // Reads (or creates) the epoch; `wasKnown` marks a new one as incomplete (data was lost).
  const ensureEpoch = async (): Promise<Epoch> => {
    const [id, incomplete] = await cmd.spoolcastEpoch(
      1,
      names.epoch,
      randomUUID(),
      epoch === null ? '0' : '1',
    );
    return { id: String(id), isIncomplete: incomplete === '1' };
  };

  // After a (re)subscription: if the history is still ours, read everything stored after
  // the last delivered id, so the pipeline sees one gap-free sequence. If it is not (new
  // epoch, or our position was trimmed away), every client must resync. Returns false when
  // Redis failed under it (the caller retries; nothing is released meanwhile).
  const fillGapOnce = async (): Promise<boolean> => {
    try {
      await waitForCommandConnection();
      const current = await withTimeout(ensureEpoch(), GAP_FILL_TIMEOUT_MS);
      if (epoch !== null && current.id !== epoch.id) {
        logger.warn(
          { epoch: current.id },
          'redis history was replaced (data lost): clients resync',
        );
        epoch = current;
        // Continue from the new history's head: the resync snapshots cover what is before it.
        lastId = await withTimeout(newestId(), GAP_FILL_TIMEOUT_MS);
        handlers?.onHistoryBreak(current);
        return true;
      }
      epoch = current;
      const missed = await withTimeout(readAfter(cmd, names, lastId ?? '0-0'), GAP_FILL_TIMEOUT_MS);
      if (missed.ok) {
        deliverStored(missed.events);
        return true;
      }
      if (missed.reason === 'unavailable') return false;
      logger.warn(
        { reason: missed.reason },
        'missed events were trimmed before the gap fill: clients resync',
      );
      lastId = await withTimeout(newestId(), GAP_FILL_TIMEOUT_MS);
      handlers?.onHistoryBreak(current);
      return true;
    } catch (error) {
      logger.warn({ err: error }, 'gap fill failed; retrying (live events are held meanwhile)');
      return false;
    }
  };

  // One gap fill at a time: a reconnect during a fill asks for another pass, and live
  // events stay held until the last pass succeeded — releasing them earlier would move
  // `lastId` past events the gap fill has not read yet.
  let isFillRunning = false;
  let fillRequests = 0;
  const requestGapFill = () => {
    isGapFilling = true;
    fillRequests += 1;
    if (!isFillRunning) void runGapFills();
  };
  const runGapFills = async () => {
    isFillRunning = true;
    try {
      for (;;) {
        if (isStopped) return;
        const request = fillRequests;
        if (!(await fillGapOnce())) {
          await pause(GAP_FILL_RETRY_MS);
          continue;
        }
        if (request === fillRequests) break;
      }
      isGapFilling = false;
      const held = heldDuringGapFill;
      heldDuringGapFill = [];
      deliverStored(held);
    } finally {
      isFillRunning = false;
    }
  };

  // ioredis emits 'ready' just before it re-sends SUBSCRIBE; a PING sent after that is
  // answered only once the subscription is back, so "ok" and the gap fill wait for it.
  const confirmResubscribed = async () => {
    try {
      await sub.ping();
    } catch {
      return; // dropped again; the next 'ready' asks again (live events stay held)
    }
    isSubscribed = true;
    refreshStatus();
    logger.info('redis subscriber reconnected and resubscribed');
    options.onReconnect?.();
    requestGapFill();
  };

  sub.on('ready', () => {
    // Before start() has subscribed, 'ready' is start()'s business.
    if (isStopped || !isStarted) return;
    isGapFilling = true;
    setImmediate(() => void confirmResubscribed());
  });
  // The last error the subscriber saw names the cause of a drop (reset, timeout); a drop
  // with none is Redis closing it (CLIENT KILL, output buffer limit, restart).
  let lastSubError: NodeJS.ErrnoException | null = null;
  for (const event of ['close', 'reconnecting', 'end'] as const) {
    sub.on(event, () => {
      if (!isStopped && isSubscribed) {
        const cause = lastSubError?.code ?? 'closed_by_server';
        logger.warn({ event, cause }, 'redis subscriber lost its connection');
        options.onSubscriberDrop?.(cause);
      }
      lastSubError = null;
      isSubscribed = false;
      refreshStatus();
    });
    cmd.on(event, refreshStatus);
  }
  cmd.on('ready', refreshStatus);
  // Errors are reported through the state events above; without a listener ioredis would
  // print each reconnect failure as an unhandled error. A refused password is not a blip:
  // it is logged once at error (the message names no secret) until a connection succeeds.
  let isAuthErrorLogged = false;
  const onError = (connection: string) => (error: NodeJS.ErrnoException) => {
    if (connection === 'subscriber') lastSubError = error;
    if (AUTH_ERROR.test(error.message)) {
      if (!isAuthErrorLogged) {
        logger.error({ connection, reason: error.message }, 'redis refused the credentials');
      }
      isAuthErrorLogged = true;
      return;
    }
    logger.debug({ connection, reason: error.message, code: error.code }, 'redis connection error');
  };
  sub.on('error', onError('subscriber'));
  cmd.on('error', onError('commands'));
  cmd.on('ready', () => {
    isAuthErrorLogged = false;
  });

  // The command connection may come back after the subscriber; wait for it, boundedly.
  const waitForCommandConnection = async () => {
    if (!(await waitForReady(cmd, 10_000))) throw new Error('redis command connection not ready');
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
      // Both connections retry on their own after a failed first attempt: a gateway started
      // while Redis is down becomes ready once Redis is up.
      cmd.connect().catch(() => undefined);
      sub.connect().catch(() => undefined);
      for (let attempt = 0; ; attempt += 1) {
        await Promise.all([waitForReady(cmd), waitForReady(sub)]);
        try {
          epoch = await withTimeout(ensureEpoch(), GAP_FILL_TIMEOUT_MS);
          // The position before subscribing: what is stored until the subscription is in
          // place is read back by the gap fill, and live events are held until then.
          lastId = await withTimeout(newestId(), GAP_FILL_TIMEOUT_MS);
          isGapFilling = true;
          await sub.subscribe(options.channel, names.announce);
          break;
        } catch (error) {
          logger.warn({ err: error }, 'redis start-up step failed; retrying');
          // Connected but refusing (read-only replica, OOM, ACL): back off, up to 5 s.
          await pause(Math.min(5000, 100 * 2 ** attempt));
        }
      }
      isStarted = true;
      isSubscribed = true;
      probe.start();
      refreshStatus();
      requestGapFill();
    },
    store: (request) =>
      storeEvent(cmd, names, request, {
        historySize: options.historySize,
        timeoutMs: options.publishTimeoutMs,
        replicaAcks: options.replicaAcks,
        redact: (text) => redact(options.target, text),
      }),
    async claim(items: ClaimItem[]) {
      // The subscriber can be back before the command connection: wait for it (bounded)
      // rather than drop what this replica received meanwhile.
      try {
        await waitForCommandConnection();
      } catch {
        options.onClaimFailed?.(items.length);
        return { failed: items.length, refused: [] };
      }
      const deadLetterOnce = (item: ClaimItem, reason: DeadLetter['reason'], detail: string) =>
        writeDeadLetter(
          {
            reason,
            detail,
            payload: item.payload,
            source: item.rejected?.source ?? 'redis',
            atMs: Date.now(),
          },
          `${names.claimPrefix}${item.claimKey}`,
        );
      // Issued back to back on one connection, so Redis runs the claims in arrival order and
      // the stream order matches the channel order on every replica.
      const refused: number[] = [];
      const results = await Promise.allSettled(
        items.map(async (item, index) => {
          if (!item.store) {
            const reason = item.rejected?.reason ?? 'invalid_value';
            return deadLetterOnce(item, reason, item.rejected?.detail ?? 'rejected');
          }
          const reply = await runStore(cmd, names, {
            payload: item.payload,
            ...item.store,
            claimKey: item.claimKey,
            claimTtlMs: options.claimWindowMs,
            historySize: options.historySize,
          });
          // Nothing was written (the claim key neither): dead-letter it once instead.
          if (reply.status === 'refused') {
            refused.push(index);
            return deadLetterOnce(item, 'invalid_value', 'the event state could not be decoded');
          }
          return reply;
        }),
      );
      const failed = results.filter((r) => r.status === 'rejected').length;
      if (failed > 0) options.onClaimFailed?.(failed);
      return { failed, refused };
    },
    async deadLetter(entry) {
      try {
        await writeDeadLetter(entry);
      } catch (error) {
        logger.warn({ err: error }, 'could not write a dead letter');
      }
    },
    readDeadLetters: (count) => readDeadLetters(cmd, names, count),
    async readAfter(cursor) {
      try {
        return await withTimeout(readAfter(cmd, names, cursor), 10_000);
      } catch {
        return { ok: false, reason: 'unavailable' };
      }
    },
    async snapshot() {
      if (!epoch) return null;
      try {
        return await withTimeout(readSnapshot(cmd, names, epoch), 10_000);
      } catch {
        return null;
      }
    },
    epoch: () => epoch,
    status: () => status,
    async stop() {
      isStopped = true;
      probe.stop();
      handlers = null;
      sub.disconnect();
      // A polite QUIT, but never wait on a Redis that does not answer.
      await withTimeout(cmd.quit(), 1000).catch(() => undefined);
      cmd.disconnect();
    },
  };
}
