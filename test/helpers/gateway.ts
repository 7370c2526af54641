/**
 * Starts real gateways in the test process: real HTTP server on an ephemeral port, real worker
 * threads, real Redis (or the embedded bus). Each gets its own metrics registry, channel and
 * key prefix, and is stopped on teardown.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ExecutionContext } from 'ava';
import { Redis } from 'ioredis';
import { loadConfig } from '../../src/config.js';
import { preparePublish, type StoreRequest } from '../../src/domain/publish-request.js';
import type { RedisEventService } from '../../src/index.js';
import { type Logger, silentLogger } from '../../src/observability/logger.js';
import { type Service, startService } from '../../src/service.js';
import { TEST_GATEWAY_ENV } from '../../src/testing/test-gateway.js';
import { checkedFetch } from './api-contract.js';
import {
  type RedisHandle,
  type StartRedisOptions,
  sharedRedis,
  startTestRedis,
  uniquePrefix,
} from './redis-server.js';
import { withDeadline } from './wait.js';

type Teardown = Pick<ExecutionContext, 'teardown'>;

/** The compiled worker when `npm test` has built it (fast cold start), else the source. */
export function testWorkerFile(): string | undefined {
  const compiled = fileURLToPath(new URL('../../dist/workers/prepare.worker.js', import.meta.url));
  return existsSync(compiled) ? compiled : undefined;
}

/**
 * Settings every test gateway shares (the test kit's own defaults, TEST_GATEWAY_ENV); tests
 * override what they exercise.
 */
export const TEST_ENV: Record<string, string> = { ...TEST_GATEWAY_ENV };

/** Options of `startGateway`. */
export interface StartGatewayOptions {
  /** Default the compiled worker when built (testWorkerFile), else the source. */
  workerFile?: string;
  /** Default silent. */
  logger?: Logger;
  /**
   * Wait for `service.ready` before resolving (default true). False for a test that checks
   * the gateway before its pipeline is up (Redis down or frozen at start); it awaits
   * `service.ready` itself.
   */
  waitReady?: boolean;
}

/** Starts a gateway with `env` over TEST_ENV and (unless told not to) waits until it is ready. */
export async function startGateway(
  t: Teardown,
  env: Record<string, string> = {},
  options: StartGatewayOptions = {},
): Promise<Service> {
  const config = loadConfig({ ...TEST_ENV, ...env });
  const workerFile = options.workerFile ?? testWorkerFile();
  const service = await startService(config, {
    logger: options.logger ?? silentLogger(),
    defaultMetrics: false,
    ...(workerFile ? { workerFile } : {}),
  });
  t.teardown(() => service.stop());
  if (options.waitReady ?? true) {
    await withDeadline(service.ready, 60_000, 'the gateway pipeline to come up');
  }
  return service;
}

/** Environment for a gateway on the shared test Redis, with its own channel and prefix. */
export async function redisEnv(
  label = 'g',
): Promise<{ REDIS_URL: string; SPOOLS_CHANNEL: string; REDIS_KEY_PREFIX: string }> {
  const redis = await sharedRedis();
  const prefix = uniquePrefix(label);
  return { REDIS_URL: redis.url, SPOOLS_CHANNEL: `${prefix}spools`, REDIS_KEY_PREFIX: prefix };
}

/**
 * A private redis-server (one the test may stop, kill or restart) and the gateway
 * environment for it, with its own channel and prefix.
 */
export async function ownRedisEnv(
  t: Teardown,
  options: StartRedisOptions = { ownProcess: true },
): Promise<{
  redis: RedisHandle;
  env: { REDIS_URL: string; SPOOLS_CHANNEL: string; REDIS_KEY_PREFIX: string };
}> {
  const redis = await startTestRedis(t, options);
  const prefix = uniquePrefix();
  return {
    redis,
    env: { REDIS_URL: redis.url, SPOOLS_CHANNEL: `${prefix}spools`, REDIS_KEY_PREFIX: prefix },
  };
}

/** A plain ioredis client (a producer), closed on teardown. */
export function connectRedis(t: Teardown, url: string): Redis {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  // Tests stop Redis on purpose; the failures they expect surface through commands.
  redis.on('error', () => undefined);
  t.teardown(() => redis.disconnect());
  return redis;
}

/** The value of a counter or gauge for a label set (0 when never touched). */
export async function metricValue(
  service: Service,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const metric = service.metrics.registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric named ${name}`);
  const { values } = await metric.get();
  const match = values.find((v) =>
    Object.entries(labels).every(
      ([k, value]) => String((v.labels as Record<string, unknown>)[k]) === value,
    ),
  );
  return match?.value ?? 0;
}

/** The store request the publish recipe makes of a valid event JSON (default settings). */
export function storeRequest(payload: string): StoreRequest {
  const defaults = loadConfig({});
  const prepared = preparePublish(payload, {
    maxEventBytes: defaults.maxEventBytes,
    timeZone: defaults.plantTimeZone,
  });
  if (!prepared.ok) throw new Error(`storeRequest: not a valid event: ${payload}`);
  return prepared.request;
}

/** The producer's exact message from the original plan. */
export { PRODUCER_MESSAGE } from '../fixtures/producer-message.js';

/** A valid event with a distinguishing number, as JSON. */
export function spoolEvent(n: number, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    event_type: 'STATE_CHANGE',
    tag_spool: `SPOOL-${n}`,
    worker_nombre: 'MR(93)',
    estado_detalle: `ARM: paso ${n}`,
    n,
    ...extra,
  });
}

/**
 * POSTs one event to the gateway at `url` and returns its id; anything but 202 throws, and
 * so does an answer that breaks docs/openapi.yaml. `headers` add to the JSON content type
 * (a bearer token, an idempotency key).
 */
export async function postEvent(
  url: string,
  event: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<string> {
  const response = await checkedFetch(`${url}/api/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(event),
  });
  if (response.status !== 202) throw new Error(`POST /api/events answered ${response.status}`);
  return ((await response.json()) as { id: string }).id;
}

/**
 * Publishes numbered event `n` (`{ n }` in its data, `ARM: x` its state) for `tag` through
 * `publisher`; its id, or throws with why.
 */
export async function publishNumbered(
  publisher: RedisEventService,
  n: number,
  tag: string,
  as: { type?: string; worker?: string } = {},
): Promise<string> {
  const type = as.type ?? 'STATE_CHANGE';
  const result = await publisher.publishSpoolUpdate(type, tag, as.worker ?? null, 'ARM: x', { n });
  if (!result.ok) throw new Error(result.reason);
  return result.id;
}
