/**
 * How tests get a Redis server.
 *
 * 1. `REDIS_URL` set → use that server; nothing is spawned and `stop()` is a no-op. Not
 *    used when the caller needs its own process (`args`, `dir` or `ownProcess`).
 * 2. Otherwise spawn a private one with support/redis-process.ts, the starter the bench
 *    shares: `redis-server` on PATH, or installed once with apt when root, on a free port;
 *    else throw `REDIS_NOT_FOUND_MESSAGE`.
 *
 * Spawned servers never outlive the test process: they are SIGKILLed on 'exit' and on
 * SIGTERM/SIGINT/SIGHUP (ava stops a timed-out worker with SIGTERM), and their pipes and
 * handles are unref'd so a forgotten server cannot keep a worker alive.
 */
import { randomBytes } from 'node:crypto';
import type { ExecutionContext } from 'ava';
import {
  findOrInstallRedisServer,
  REDIS_NOT_FOUND_MESSAGE,
  type RedisProcess,
  spawnRedis,
} from '../../support/redis-process.js';
import { externalProcess } from './test-scope.js';

export { findOrInstallRedisServer, REDIS_NOT_FOUND_MESSAGE };

/**
 * A running Redis server for tests: a spawned one (support/redis-process.ts, without its
 * pid) or the one `REDIS_URL` names.
 */
export interface RedisHandle extends Omit<RedisProcess, 'pid'> {
  /** True when the server came from `REDIS_URL`: `stop()` is a no-op, `restart()`/`kill()` reject. */
  readonly isExternal: boolean;
}

/** Options of `startRedis`. */
export interface StartRedisOptions {
  /** Extra `redis-server` arguments, after the defaults (later ones win), e.g. for AOF tests. */
  args?: string[];
  /** Working and data directory (`--dir`); default a fresh temp dir removed at process exit. */
  dir?: string;
  /** Spawn a private server even when `REDIS_URL` is set (implied by `args` or `dir`). */
  ownProcess?: boolean;
}

/** Starts (or finds) a Redis server; see the module comment for the order of sources. */
export async function startRedis(options: StartRedisOptions = {}): Promise<RedisHandle> {
  externalProcess('redis-server');
  const needsOwnProcess =
    options.ownProcess === true || options.args !== undefined || options.dir !== undefined;
  const externalUrl = process.env.REDIS_URL;
  if (externalUrl && !needsOwnProcess) return externalRedis(externalUrl);

  const server = await spawnRedis({
    ...(options.args !== undefined ? { args: options.args } : {}),
    ...(options.dir !== undefined ? { dir: options.dir } : {}),
    unref: true,
  });
  return {
    get url() {
      return server.url;
    },
    get port() {
      return server.port;
    },
    isExternal: false,
    stop: () => server.stop(),
    restart: () => server.restart(),
    kill: () => server.kill(),
    freeze: () => server.freeze(),
    thaw: () => server.thaw(),
    logs: () => server.logs(),
  };
}

/** `startRedis` for one ava test: registers `t.teardown(stop)` right away. */
export async function startTestRedis(
  t: Pick<ExecutionContext, 'teardown'>,
  options: StartRedisOptions = {},
): Promise<RedisHandle> {
  const redis = await startRedis(options);
  t.teardown(() => redis.stop());
  return redis;
}

let shared: Promise<RedisHandle> | undefined;

/**
 * One server per test process (each ava test file runs in its own process), started on
 * first use and killed when the process exits. Tests sharing it must use `uniquePrefix()`
 * and must not stop, restart or kill it: use `startTestRedis` for that.
 */
export function sharedRedis(): Promise<RedisHandle> {
  if (shared === undefined) {
    shared = startRedis();
    // A failed start is not memoised, so one broken attempt does not fail every later test.
    shared.catch(() => {
      shared = undefined;
    });
  }
  return shared;
}

let prefixCounter = 0;

/**
 * A key prefix / channel suffix unique to this call across processes sharing a server,
 * e.g. `t_4242_3_9f2c1a:` (label, pid, counter, random).
 */
export function uniquePrefix(label = 't'): string {
  prefixCounter += 1;
  const safeLabel = label.replace(/[^A-Za-z0-9_-]/g, '_') || 't';
  return `${safeLabel}_${process.pid}_${prefixCounter}_${randomBytes(3).toString('hex')}:`;
}

function externalRedis(url: string): RedisHandle {
  const parsed = new URL(url);
  const refuse = (what: string) => () =>
    Promise.reject(
      new Error(
        `${what}() needs a spawned redis-server, not REDIS_URL: start it with { ownProcess: true }`,
      ),
    );
  return {
    url,
    port: parsed.port === '' ? 6379 : Number(parsed.port),
    isExternal: true,
    stop: () => Promise.resolve(),
    restart: refuse('restart'),
    kill: refuse('kill'),
    freeze: () => {
      throw new Error('cannot freeze an external Redis (REDIS_URL)');
    },
    thaw: () => undefined,
    logs: () => '',
  };
}
