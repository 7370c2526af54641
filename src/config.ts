/**
 * Settings (docs/contract.md §5). `loadConfig(env)` is the only reader of the environment: it applies
 * the defaults below, reports every bad value at once naming its variable, and returns frozen data.
 */
import { availableParallelism } from 'node:os';
import { DEFAULT_PLANT_TIME_ZONE, isValidTimeZone } from './domain/plant-time.js';
import { ConfigError } from './errors.js';
import { redactSecrets } from './observability/redact.js';

/** Validated, frozen settings; every duration and size carries its unit in its name. */
export interface Config {
  port: number;
  host: string;
  /** Unset means the embedded in-process bus (one instance only), unless Sentinels are set. */
  redisUrl: string | null;
  /** Sentinel addresses (`REDIS_SENTINELS`); set, they select a Sentinel-managed Redis. */
  redisSentinels: { host: string; port: number }[] | null;
  /** Name of the master the Sentinels watch (`REDIS_SENTINEL_MASTER`, default `mymaster`). */
  redisSentinelMaster: string;
  /** Redis ACL user (`REDIS_USERNAME`), for the data nodes; unset: the default user. */
  redisUsername: string | null;
  /** Redis AUTH password (`REDIS_PASSWORD`); non-enumerable, so it is never logged or printed. */
  readonly redisPassword: string | null;
  /** Sentinel AUTH password (`REDIS_SENTINEL_PASSWORD`); non-enumerable like `redisPassword`. */
  readonly redisSentinelPassword: string | null;
  /** Replicas that must hold a published event before it is acknowledged (`WAIT`); 1 with Sentinel, else 0. */
  publishReplicaAcks: number;
  /** Most open streams per process; 0 = unlimited (default). Beyond it new streams get 503. */
  maxClients: number;
  spoolsChannel: string;
  redisKeyPrefix: string;
  pingIntervalMs: number;
  sendTimeoutMs: number;
  maxBufferedBytes: number;
  /** Clients written per slice of a fan-out before other I/O gets a turn. */
  fanOutSlice: number;
  /** Write coalescing window: batches within it of the last fan-out share one write. */
  writeWindowMs: number;
  maxEventBytes: number;
  poolThreads: number;
  logLevel: string;
  /** Base SSE `retry:` sent to browsers; each connection gets it plus up to 100 % jitter. */
  retryMs: number;
  /** Events kept for replay (capped stream / ring buffer). */
  historySize: number;
  /** Rejected messages kept for inspection. */
  deadLetterSize: number;
  /** Deadline for one pool task; a hung worker is terminated and its batch retried. */
  poolTaskTimeoutMs: number;
  /** Most messages handed to one pool task. */
  poolBatchMax: number;
  /** Longest a publish may wait for Redis before reporting failure. */
  publishTimeoutMs: number;
  /** How long identical plain PUBLISHes are told apart by occurrence count (exactly-once claim). */
  claimWindowMs: number;
  /** IANA zone of the plant clock that producer timestamps are written in. */
  plantTimeZone: string;
  /**
   * On SIGTERM: how long readiness says 503 (and new streams are sent elsewhere) before the
   * open streams are ended, so the load balancer stops routing here first.
   */
  drainDelayMs: number;
  /** On SIGTERM, after `drainDelayMs`: the window over which open streams are closed at random. */
  shutdownDrainMs: number;
  /** Exact origins allowed cross-origin on the stream and the API; empty = same-origin only. */
  corsOrigins: readonly string[];
  /** Whether allowed origins may send cookies (`Access-Control-Allow-Credentials: true`). */
  corsAllowCredentials: boolean;
  /** HS256 key for JWT auth (`AUTH_JWT_SECRET`, at least 32 bytes); non-enumerable. */
  readonly authJwtSecret: string | null;
  /** A JWKS endpoint for RS256/ES256 tokens (`AUTH_JWKS_URL`). */
  authJwksUrl: string | null;
  /** A JWKS file for RS256/ES256 tokens (`AUTH_JWKS_FILE`). */
  authJwksFile: string | null;
  /** Required `iss` when set. */
  authIssuer: string | null;
  /** Required `aud` when set. */
  authAudience: string | null;
  /** Clock skew allowed on `exp` and `nbf` (`AUTH_CLOCK_SKEW_S`). */
  authClockSkewMs: number;
  /** The cookie a token may come in (`AUTH_COOKIE_NAME`). */
  authCookieName: string;
  /** Whether a token may come as `access_token` in the query (`AUTH_QUERY_TOKEN`). */
  authQueryToken: boolean;
  /** Most open streams per client address; 0 = unlimited (`SSE_MAX_CLIENTS_PER_IP`). */
  maxClientsPerIp: number;
  /** Publishes per second per token subject, or per address without auth; 0 = unlimited. */
  publishRatePerS: number;
  /** Proxies in front whose `X-Forwarded-For` entries are trusted for the client address. */
  trustProxyHops: number;
  /** A second port that alone serves `/metrics` (`METRICS_PORT`); 0 = the main port. */
  metricsPort: number;
  /** How long a long-poll read waits for new events before answering 204. */
  longPollTimeoutMs: number;
  /** How long one SSE-mode response of the streams API lasts before it is recycled. */
  streamsSseMaxMs: number;
}

/** Settings that hold secrets: never echoed in errors, never enumerable in the config. */
const SECRET_KEYS = ['redisPassword', 'redisSentinelPassword', 'authJwtSecret'] as const;

type Parser = (raw: string) => unknown | Error;

interface Setting {
  key: keyof Config;
  fallback: string;
  parse: Parser;
  /** How the contract shows the default when it is not the literal `fallback`. */
  shown?: string;
}

const int =
  (min: number, max = Number.MAX_SAFE_INTEGER): Parser =>
  (raw) => {
    if (!/^\d+$/.test(raw.trim())) return new Error(`must be a whole number, got "${raw}"`);
    const n = Number(raw);
    if (n < min || n > max) return new Error(`must be between ${min} and ${max}, got ${n}`);
    return n;
  };

/** Seconds in the environment, milliseconds in the config; decimals allowed (tests use 0.05). */
const seconds =
  (minS: number): Parser =>
  (raw) => {
    if (!/^\d+(\.\d+)?$/.test(raw.trim()))
      return new Error(`must be a number of seconds, got "${raw}"`);
    const s = Number(raw);
    if (s < minS) return new Error(`must be at least ${minS}, got ${s}`);
    return Math.round(s * 1000);
  };

const text =
  (pattern: RegExp, what: string): Parser =>
  (raw) =>
    pattern.test(raw) ? raw : new Error(`must be ${what}, got "${raw}"`);

const redisUrl: Parser = (raw) => {
  if (raw === '') return null;
  if (!/^rediss?:\/\//.test(raw))
    return new Error(`must start with redis:// or rediss://, got "${redactSecrets(raw)}"`);
  try {
    new URL(raw);
    return raw;
  } catch {
    return new Error('is not a valid URL');
  }
};

const sentinels: Parser = (raw) => {
  if (raw.trim() === '') return null;
  const list = raw.split(',').map((entry) => entry.trim());
  const parsed = list.map((entry) => {
    const match = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9._-]+):(\d{1,5})$/.exec(entry);
    const port = Number(match?.[2]);
    if (!match || port < 1 || port > 65535) return null;
    return { host: (match[1] as string).replace(/^\[|\]$/g, ''), port };
  });
  if (parsed.some((entry) => entry === null))
    return new Error(`must be a comma-separated list of host:port, got "${raw}"`);
  return parsed;
};

/** A secret: any value, never echoed back. */
const secret: Parser = (raw) => (raw === '' ? null : raw);

/** Empty means "the default for the Redis mode" (resolved after every setting is read). */
const optionalInt =
  (min: number, max: number): Parser =>
  (raw) =>
    raw.trim() === '' ? null : int(min, max)(raw);

const timeZone: Parser = (raw) =>
  isValidTimeZone(raw) ? raw : new Error(`is not a known IANA time zone, got "${raw}"`);

/** Comma-separated exact origins (`https://host[:port]`, no path); blanks are ignored. */
const origins: Parser = (raw) => {
  const list = raw
    .split(',')
    .map((o) => o.trim())
    .filter((o) => o !== '');
  for (const origin of list) {
    let normal: string | null = null;
    try {
      normal = new URL(origin).origin;
    } catch {
      // reported below
    }
    // An origin is compared byte for byte with the browser's `Origin` header, which is
    // always the normal form: refuse anything else rather than never match it.
    if (normal !== origin || !/^https?:\/\//.test(origin))
      return new Error(
        `must list exact origins such as https://plant.example:8443, got "${origin}"`,
      );
  }
  return Object.freeze(list);
};

/** An HS256 key: at least 32 bytes (RFC 7518 §3.2), never echoed back. */
const jwtSecret: Parser = (raw) => {
  if (raw === '') return null;
  const bytes = Buffer.byteLength(raw);
  return bytes >= 32 ? raw : new Error(`must be at least 32 bytes, got ${bytes}`);
};

/** An http(s) URL, or unset. */
const httpUrl: Parser = (raw) => {
  if (raw === '') return null;
  try {
    const url = new URL(raw);
    if (url.protocol === 'https:' || url.protocol === 'http:') return raw;
  } catch {
    // reported below
  }
  return new Error(`must be an http(s) URL, got "${redactSecrets(raw)}"`);
};

/** Any text, or unset when empty. */
const optionalText: Parser = (raw) => (raw.trim() === '' ? null : raw.trim());

const flag: Parser = (raw) => {
  const value = raw.trim().toLowerCase();
  if (['1', 'true', 'yes'].includes(value)) return true;
  if (['', '0', 'false', 'no'].includes(value)) return false;
  return new Error(`must be true or false, got "${raw}"`);
};

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const defaultThreads = String(Math.max(1, availableParallelism() - 1));

/** Every variable with its default (the embedded mode works with all of them unset). */
const SETTINGS: Record<string, Setting> = {
  PORT: { key: 'port', fallback: '8000', parse: int(0, 65535) },
  HOST: { key: 'host', fallback: '0.0.0.0', parse: text(/^\S+$/, 'a host name or address') },
  REDIS_URL: { key: 'redisUrl', fallback: '', parse: redisUrl, shown: 'unset' },
  REDIS_SENTINELS: { key: 'redisSentinels', fallback: '', parse: sentinels, shown: 'unset' },
  REDIS_SENTINEL_MASTER: {
    key: 'redisSentinelMaster',
    fallback: 'mymaster',
    parse: text(/^[A-Za-z0-9._-]{1,128}$/, 'a master name (letters, digits, . _ -)'),
  },
  REDIS_USERNAME: {
    key: 'redisUsername',
    fallback: '',
    parse: (raw) => (raw === '' ? null : text(/^[!-~]{1,128}$/, 'an ACL user name')(raw)),
    shown: 'unset',
  },
  REDIS_PASSWORD: { key: 'redisPassword', fallback: '', parse: secret, shown: 'unset' },
  REDIS_SENTINEL_PASSWORD: {
    key: 'redisSentinelPassword',
    fallback: '',
    parse: secret,
    shown: 'unset',
  },
  PUBLISH_REPLICA_ACKS: {
    key: 'publishReplicaAcks',
    fallback: '',
    parse: optionalInt(0, 16),
    shown: '`1` with Sentinel, else `0`',
  },
  SSE_MAX_CLIENTS: { key: 'maxClients', fallback: '0', parse: int(0, 10_000_000) },
  SPOOLS_CHANNEL: {
    key: 'spoolsChannel',
    fallback: 'spools:updates',
    parse: text(/^\S{1,256}$/, 'a channel name without spaces'),
  },
  REDIS_KEY_PREFIX: {
    key: 'redisKeyPrefix',
    fallback: 'spoolcast:',
    parse: text(/^\S{1,128}$/, 'a key prefix without spaces'),
  },
  SSE_PING_INTERVAL_S: { key: 'pingIntervalMs', fallback: '15', parse: seconds(0.01) },
  SSE_SEND_TIMEOUT_S: { key: 'sendTimeoutMs', fallback: '30', parse: seconds(0.01) },
  SSE_MAX_BUFFERED_BYTES: { key: 'maxBufferedBytes', fallback: '8388608', parse: int(1024) },
  SSE_FAN_OUT_SLICE: { key: 'fanOutSlice', fallback: '256', parse: int(1, 1_000_000) },
  SSE_WRITE_WINDOW_MS: { key: 'writeWindowMs', fallback: '50', parse: int(0, 1000) },
  SSE_RETRY_MS: { key: 'retryMs', fallback: '2000', parse: int(100, 600_000) },
  MAX_EVENT_BYTES: { key: 'maxEventBytes', fallback: '65536', parse: int(64, 16 * 1024 * 1024) },
  POOL_THREADS: {
    key: 'poolThreads',
    fallback: defaultThreads,
    parse: int(1, 256),
    shown: 'cores − 1, at least 1',
  },
  POOL_TASK_TIMEOUT_MS: { key: 'poolTaskTimeoutMs', fallback: '5000', parse: int(10) },
  POOL_BATCH_MAX: { key: 'poolBatchMax', fallback: '256', parse: int(1, 100_000) },
  HISTORY_SIZE: { key: 'historySize', fallback: '10000', parse: int(1) },
  DEAD_LETTER_SIZE: { key: 'deadLetterSize', fallback: '1000', parse: int(1) },
  PUBLISH_TIMEOUT_MS: { key: 'publishTimeoutMs', fallback: '2000', parse: int(10) },
  CLAIM_WINDOW_MS: { key: 'claimWindowMs', fallback: '10000', parse: int(100) },
  PLANT_TIME_ZONE: { key: 'plantTimeZone', fallback: DEFAULT_PLANT_TIME_ZONE, parse: timeZone },
  DRAIN_DELAY_S: { key: 'drainDelayMs', fallback: '5', parse: seconds(0) },
  SHUTDOWN_DRAIN_S: { key: 'shutdownDrainMs', fallback: '10', parse: seconds(0) },
  CORS_ORIGINS: { key: 'corsOrigins', fallback: '', parse: origins, shown: 'empty' },
  CORS_ALLOW_CREDENTIALS: { key: 'corsAllowCredentials', fallback: 'false', parse: flag },
  AUTH_JWT_SECRET: { key: 'authJwtSecret', fallback: '', parse: jwtSecret, shown: 'unset' },
  AUTH_JWKS_URL: { key: 'authJwksUrl', fallback: '', parse: httpUrl, shown: 'unset' },
  AUTH_JWKS_FILE: { key: 'authJwksFile', fallback: '', parse: optionalText, shown: 'unset' },
  AUTH_ISSUER: { key: 'authIssuer', fallback: '', parse: optionalText, shown: 'unset' },
  AUTH_AUDIENCE: { key: 'authAudience', fallback: '', parse: optionalText, shown: 'unset' },
  AUTH_CLOCK_SKEW_S: { key: 'authClockSkewMs', fallback: '30', parse: seconds(0) },
  AUTH_COOKIE_NAME: {
    key: 'authCookieName',
    fallback: 'spoolcast_token',
    parse: text(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$/, 'a cookie name (RFC 6265 token)'),
  },
  AUTH_QUERY_TOKEN: { key: 'authQueryToken', fallback: 'false', parse: flag },
  SSE_MAX_CLIENTS_PER_IP: { key: 'maxClientsPerIp', fallback: '0', parse: int(0, 10_000_000) },
  PUBLISH_RATE_PER_S: { key: 'publishRatePerS', fallback: '0', parse: int(0, 1_000_000) },
  TRUST_PROXY_HOPS: { key: 'trustProxyHops', fallback: '0', parse: int(0, 16) },
  METRICS_PORT: { key: 'metricsPort', fallback: '0', parse: int(0, 65535) },
  LONG_POLL_TIMEOUT_S: { key: 'longPollTimeoutMs', fallback: '25', parse: seconds(0.05) },
  STREAMS_SSE_MAX_S: { key: 'streamsSseMaxMs', fallback: '60', parse: seconds(0.05) },
  LOG_LEVEL: {
    key: 'logLevel',
    fallback: 'info',
    parse: (raw) =>
      LOG_LEVELS.includes(raw) ? raw : new Error(`must be one of ${LOG_LEVELS.join(', ')}`),
  },
};

/** Every environment variable spoolcast reads. */
export const SETTING_NAMES: readonly string[] = Object.freeze(Object.keys(SETTINGS));

/**
 * Every variable's default as docs/contract.md §5 shows it: the literal in backticks, or
 * words where it is unset or computed (checked against the contract by the docs test).
 */
export const SETTING_DEFAULTS: Readonly<Record<string, string>> = Object.freeze(
  Object.fromEntries(
    Object.entries(SETTINGS).map(([name, s]) => [name, s.shown ?? `\`${s.fallback}\``]),
  ),
);

/**
 * Reads the settings from `env` (pass `process.env`); throws one ConfigError listing every
 * bad variable by name.
 */
export function loadConfig(env: Record<string, string | undefined>): Readonly<Config> {
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [name, setting] of Object.entries(SETTINGS)) {
    const raw = env[name] ?? setting.fallback;
    const value = setting.parse(raw);
    if (value instanceof Error) problems.push(`${name} ${value.message}`);
    else out[setting.key] = value;
  }
  // A client whose cap cannot hold one event (plus a snapshot's worth of slack) would be
  // cut on every event and reconnect in a loop.
  const maxEventBytes = out.maxEventBytes as number | undefined;
  const maxBufferedBytes = out.maxBufferedBytes as number | undefined;
  if (
    maxEventBytes !== undefined &&
    maxBufferedBytes !== undefined &&
    maxBufferedBytes < maxEventBytes * 4
  ) {
    problems.push(
      `SSE_MAX_BUFFERED_BYTES must be at least 4 × MAX_EVENT_BYTES (${maxEventBytes * 4}), got ${maxBufferedBytes}`,
    );
  }
  if (out.redisUrl && out.redisSentinels) {
    problems.push('REDIS_URL and REDIS_SENTINELS are both set: choose one');
  }
  const hasRedis = Boolean(out.redisUrl || out.redisSentinels);
  // Sentinel means replicas exist: by default an acknowledged event is on one of them too.
  out.publishReplicaAcks ??= out.redisSentinels ? 1 : 0;
  if (!hasRedis && (out.publishReplicaAcks as number) > 0) {
    problems.push(
      'PUBLISH_REPLICA_ACKS needs REDIS_URL or REDIS_SENTINELS (the embedded bus has no replicas)',
    );
  }
  const keySources = [out.authJwtSecret, out.authJwksUrl, out.authJwksFile].filter(Boolean);
  if (keySources.length > 1) {
    problems.push(
      'AUTH_JWT_SECRET, AUTH_JWKS_URL and AUTH_JWKS_FILE: set one of them, not several',
    );
  }
  if (out.metricsPort !== 0 && out.metricsPort === out.port) {
    problems.push('METRICS_PORT must differ from PORT (or be 0 to serve /metrics on PORT)');
  }
  // Every message goes through the redactor too: a value can hold a password by mistake.
  if (problems.length > 0) throw new ConfigError(problems.map(redactSecrets));
  // Secrets are non-enumerable: JSON.stringify, pino and util.inspect never show them.
  for (const key of SECRET_KEYS) {
    Object.defineProperty(out, key, { value: out[key], enumerable: false });
  }
  return Object.freeze(out as unknown as Config);
}
