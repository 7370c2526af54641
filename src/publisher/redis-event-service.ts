/**
 * The publisher library for backend code (docs/contract.md §4): builds the same flat JSON
 * the Python backend sends, prepares it with the write side's one recipe (validated and
 * enriched once), stores and announces it in one step, and answers with the event id. It
 * never throws and never waits longer than its timeout. Not part of the gateway: backend
 * services import it.
 */
import type { Redis } from 'ioredis';
import { redact, waitForReady } from '../bus/redis/connection.js';
import { redisNames } from '../bus/redis/names.js';
import { storeEvent, withScripts } from '../bus/redis/scripts.js';
import { loadConfig } from '../config.js';
import { formatPlantTimestamp } from '../domain/plant-time.js';
import { preparePublish } from '../domain/publish-request.js';

/** The gateways' defaults, from the one table of settings. */
const DEFAULTS = loadConfig({});

/** Outcome of a publish: errors are values. */
export type PublishResult = { ok: true; id: string } | { ok: false; reason: string };

/** Publisher settings; defaults match the service's. */
export interface RedisEventServiceOptions {
  /** Must match the gateways' `REDIS_KEY_PREFIX`. Default `spoolcast:`. */
  keyPrefix?: string;
  /** Stream cap, as `HISTORY_SIZE`. Default 10000. */
  historySize?: number;
  /** Longest wait for Redis, in ms. Default 2000. */
  timeoutMs?: number;
  /**
   * Replicas that must hold the event before `{ ok: true }` (Redis `WAIT`, within
   * `timeoutMs`), as the gateways' `PUBLISH_REPLICA_ACKS`. Default 0; use 1 with Sentinel.
   */
  replicaAcks?: number;
  /** As `MAX_EVENT_BYTES`. Default 65536. */
  maxEventBytes?: number;
  /** Zone for the `timestamp` field, as `PLANT_TIME_ZONE`. */
  timeZone?: string;
  /** Clock, for tests. */
  now?: () => Date;
  /**
   * Counts each validation (`spoolcast_validations_total{source="code"}`): pass a prom-client
   * counter with a `source` label, e.g. a gateway's in the same process.
   */
  validations?: { inc(labels: { source: 'code' }): void };
}

/** Publishes spool updates through Redis so every gateway broadcasts them with one id. */
export class RedisEventService {
  private readonly redis: ReturnType<typeof withScripts>;
  private readonly options: Required<Omit<RedisEventServiceOptions, 'validations'>>;
  private readonly validations: RedisEventServiceOptions['validations'];

  constructor(redis: Redis, options: RedisEventServiceOptions = {}) {
    this.redis = withScripts(redis);
    this.options = {
      keyPrefix: options.keyPrefix ?? DEFAULTS.redisKeyPrefix,
      historySize: options.historySize ?? DEFAULTS.historySize,
      timeoutMs: options.timeoutMs ?? DEFAULTS.publishTimeoutMs,
      replicaAcks: options.replicaAcks ?? 0,
      maxEventBytes: options.maxEventBytes ?? DEFAULTS.maxEventBytes,
      timeZone: options.timeZone ?? DEFAULTS.plantTimeZone,
      now: options.now ?? (() => new Date()),
    };
    this.validations = options.validations;
  }

  /**
   * Builds `{event_type, tag_spool, worker_nombre, estado_detalle, timestamp, ...additionalData}`
   * and stores it; resolves `{ok: true, id}` once stored, else `{ok: false, reason}`. With
   * `idempotencyKey`, a retry after an unclear failure returns the first id, not a copy.
   */
  async publishSpoolUpdate(
    eventType: string,
    tagSpool: string,
    workerNombre: string | null,
    estadoDetalle: string,
    additionalData?: Record<string, unknown>,
    publishOptions: { idempotencyKey?: string } = {},
  ): Promise<PublishResult> {
    try {
      return await this.publish(
        eventType,
        tagSpool,
        workerNombre,
        estadoDetalle,
        additionalData,
        publishOptions,
      );
    } catch (error) {
      // docs/contract.md §4: never throws (a bad timeZone option or clock would otherwise reject).
      return { ok: false, reason: `publish failed: ${(error as Error).message}` };
    }
  }

  private async publish(
    eventType: string,
    tagSpool: string,
    workerNombre: string | null,
    estadoDetalle: string,
    additionalData: Record<string, unknown> | undefined,
    publishOptions: { idempotencyKey?: string },
  ): Promise<PublishResult> {
    const event = {
      event_type: eventType,
      tag_spool: tagSpool,
      worker_nombre: workerNombre,
      estado_detalle: estadoDetalle,
      timestamp: formatPlantTimestamp(this.options.now(), this.options.timeZone),
      ...additionalData,
    };
    let payload: string;
    try {
      payload = JSON.stringify(event);
    } catch (error) {
      return { ok: false, reason: `not serialisable: ${(error as Error).message}` };
    }
    // The same recipe as POST /api/events: validate and enrich once, check the key.
    this.validations?.inc({ source: 'code' });
    const prepared = preparePublish(payload, {
      maxEventBytes: this.options.maxEventBytes,
      timeZone: this.options.timeZone,
      ...(publishOptions.idempotencyKey !== undefined
        ? { idempotencyKey: publishOptions.idempotencyKey }
        : {}),
    });
    if (!prepared.ok) {
      if ('keyProblem' in prepared) return { ok: false, reason: prepared.keyProblem };
      const first = prepared.problems[0];
      return { ok: false, reason: `${first?.reason}: ${first?.detail}` };
    }
    const deadlineMs = Date.now() + this.options.timeoutMs;
    // Never hand the command to a client that is not connected: ioredis would queue it
    // offline and could store it after we had already reported failure.
    if (this.redis.status === 'end') return { ok: false, reason: 'redis is end' };
    // A lazyConnect client connects on its first command; start it, but still wait for ready.
    if (this.redis.status === 'wait') this.redis.connect().catch(() => undefined);
    if (!(await waitForReady(this.redis, this.options.timeoutMs))) {
      return { ok: false, reason: `redis is ${this.redis.status}` };
    }
    const stored = await storeEvent(
      this.redis,
      redisNames(this.options.keyPrefix),
      prepared.request,
      {
        historySize: this.options.historySize,
        timeoutMs: deadlineMs - Date.now(),
        replicaAcks: this.options.replicaAcks,
        redact: (text) => redact(null, text),
      },
    );
    if (stored.ok) return { ok: true, id: stored.id };
    return {
      ok: false,
      reason:
        stored.kind === 'refused'
          ? `invalid_value: ${stored.reason} (nothing was stored)`
          : stored.reason,
    };
  }
}
