/**
 * Where Redis is and how to reach it: a URL (`REDIS_URL`, one server or a managed endpoint)
 * or a Sentinel-managed primary (`REDIS_SENTINELS` + `REDIS_SENTINEL_MASTER`). The bus
 * builds its connections here; both it and the publisher confirm replication with
 * `confirmReplicas`. Passwords never leave this module in a message: `redact` strips them.
 */
import { Redis, type RedisOptions } from 'ioredis';
import { withTimeout } from '../../async/deadline.js';
import { redactSecrets } from '../../observability/redact.js';

/** The settings that say where Redis is (the config's names, without its shape). */
export interface RedisTargetSettings {
  redisUrl: string | null;
  redisUsername: string | null;
  redisSentinels: { host: string; port: number }[] | null;
  redisSentinelMaster: string;
  readonly redisPassword: string | null;
  readonly redisSentinelPassword: string | null;
}

/** One Redis deployment to connect to. */
export type RedisTarget =
  | { kind: 'url'; url: string; username: string | null; password: string | null }
  | {
      kind: 'sentinel';
      sentinels: { host: string; port: number }[];
      masterName: string;
      username: string | null;
      password: string | null;
      sentinelPassword: string | null;
    };

/** The target the config selects, or null for the embedded bus. */
export function redisTargetOf(config: RedisTargetSettings): RedisTarget | null {
  if (config.redisSentinels) {
    return {
      kind: 'sentinel',
      sentinels: config.redisSentinels,
      masterName: config.redisSentinelMaster,
      username: config.redisUsername,
      password: config.redisPassword,
      sentinelPassword: config.redisSentinelPassword,
    };
  }
  if (config.redisUrl) {
    const { redisUrl: url, redisUsername: username, redisPassword: password } = config;
    return { kind: 'url', url, username, password };
  }
  return null;
}

/**
 * A new ioredis client for `target` with the caller's connection options. With Sentinel,
 * ioredis asks the sentinels for the current master on every (re)connect and follows a
 * failover (`+switch-master`) by reconnecting to the new one.
 */
export function createRedisConnection(target: RedisTarget, settings: RedisOptions): Redis {
  // No CLIENT SETINFO on connect: the gateway's ACL user is not granted it (Redis 7.0 does
  // not know it), and each refusal would be an ACL LOG entry on Redis 7.2 and later.
  const options = { ...settings, disableClientInfo: true };
  if (target.kind === 'url') {
    return new Redis(target.url, {
      ...options,
      ...(target.username ? { username: target.username } : {}),
      ...(target.password ? { password: target.password } : {}),
    });
  }
  return new Redis({
    ...options,
    sentinels: target.sentinels,
    name: target.masterName,
    role: 'master',
    ...(target.username ? { username: target.username } : {}),
    ...(target.password ? { password: target.password } : {}),
    ...(target.sentinelPassword ? { sentinelPassword: target.sentinelPassword } : {}),
    // Learn of a failover from the sentinels' +switch-master at once instead of waiting for
    // the old master's connection to break.
    failoverDetector: true,
  });
}

/** A loggable description of the target, without passwords. */
export function describeRedisTarget(target: RedisTarget): string {
  if (target.kind === 'url') return redact(target, target.url);
  const hosts = target.sentinels.map((s) => `${s.host}:${s.port}`).join(',');
  return `sentinel master "${target.masterName}" via ${hosts}`;
}

/** `text` with the target's passwords (and any URL password) replaced by `***`. */
export function redact(target: RedisTarget | null, text: string): string {
  let out = redactSecrets(text);
  const secrets = [target?.password, target?.kind === 'sentinel' ? target.sentinelPassword : null];
  for (const secret of secrets) {
    if (secret) out = out.split(secret).join('***');
  }
  return out;
}

/**
 * After a write: waits (Redis `WAIT`) until `count` replicas hold every write this
 * connection made, at most `timeoutMs`. Resolves null when they do, else the reason. With
 * `count` 0 it returns at once. Replication is asynchronous otherwise: without this, a
 * failover right after the answer could lose an acknowledged event.
 */
export async function confirmReplicas(
  redis: Redis,
  count: number,
  timeoutMs: number,
): Promise<string | null> {
  if (count <= 0) return null;
  // WAIT 0 would block forever; the client-side deadline guards a Redis that never answers.
  const serverTimeoutMs = Math.max(1, Math.floor(timeoutMs));
  try {
    const acked = await withTimeout(redis.wait(count, serverTimeoutMs), serverTimeoutMs + 1000);
    if (acked >= count) return null;
    return `only ${acked} of ${count} replicas confirmed the event within ${serverTimeoutMs} ms; it may still be stored (retry with the same Idempotency-Key)`;
  } catch (error) {
    return `replication could not be confirmed (${(error as Error).message}); the event may still be stored (retry with the same Idempotency-Key)`;
  }
}

/**
 * Resolves true once `client` is ready, false after `timeoutMs` (without one it waits as
 * long as it takes); the 'ready' listener is removed either way.
 */
export async function waitForReady(client: Redis, timeoutMs?: number): Promise<boolean> {
  if (client.status === 'ready') return true;
  return new Promise<boolean>((resolve) => {
    const finish = (isReady: boolean) => {
      clearTimeout(timer);
      client.off('ready', onReady);
      resolve(isReady);
    };
    const onReady = () => finish(true);
    const timer =
      timeoutMs === undefined ? undefined : setTimeout(() => finish(false), Math.max(0, timeoutMs));
    client.once('ready', onReady);
  });
}
