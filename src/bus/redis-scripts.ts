/**
 * The Lua scripts that make "stored" mean one thing everywhere: the event is appended to the
 * capped stream and announced on the internal channel in one atomic step, so announcement
 * order is storage order (Redis runs scripts one at a time). A claim key, when given, makes
 * the step happen at most once across replicas.
 */
import type { Redis } from 'ioredis';

/** Names spoolcast owns under `REDIS_KEY_PREFIX`. */
export interface RedisNames {
  events: string;
  deadLetters: string;
  announce: string;
  claimPrefix: string;
}

/** Derives every key and internal channel from the prefix. */
export function redisNames(keyPrefix: string): RedisNames {
  return {
    events: `${keyPrefix}events`,
    deadLetters: `${keyPrefix}deadletters`,
    announce: `${keyPrefix}announce`,
    claimPrefix: `${keyPrefix}claim:`,
  };
}

// KEYS[1] stream, KEYS[2] optional claim key. ARGV: payload, maxlen, channel, claim ttl ms.
const STORE_LUA = `
if #KEYS > 1 then
  if not redis.call('SET', KEYS[2], '1', 'NX', 'PX', ARGV[4]) then return false end
end
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', 'p', ARGV[1])
redis.call('PUBLISH', ARGV[3], id .. '\\n' .. ARGV[1])
return id
`;

// KEYS[1] dead-letter stream, KEYS[2] optional claim key.
// ARGV: maxlen, claim ttl ms, reason, detail, payload, source.
const DEAD_LETTER_LUA = `
if #KEYS > 1 then
  if not redis.call('SET', KEYS[2], '1', 'NX', 'PX', ARGV[2]) then return false end
end
return redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*',
  'reason', ARGV[3], 'detail', ARGV[4], 'payload', ARGV[5], 'source', ARGV[6])
`;

/** A client with the spoolcast scripts defined (EVALSHA, loaded on first use by ioredis). */
export type ScriptedRedis = Redis & {
  spoolcastStore(numKeys: number, ...args: (string | number)[]): Promise<string | null>;
  spoolcastDeadLetter(numKeys: number, ...args: (string | number)[]): Promise<string | null>;
};

/** Defines the scripts on a client (idempotent). */
export function withScripts(redis: Redis): ScriptedRedis {
  const scripted = redis as ScriptedRedis;
  if (typeof scripted.spoolcastStore !== 'function') {
    redis.defineCommand('spoolcastStore', { lua: STORE_LUA });
    redis.defineCommand('spoolcastDeadLetter', { lua: DEAD_LETTER_LUA });
  }
  return scripted;
}

/** Largest dead-letter payload kept; the rest is cut (a 10 MB bad message must not sit in Redis). */
export const DEAD_LETTER_PAYLOAD_MAX_CHARS = 8192;

/** Splits an announcement `<id>\n<payload>`; null when malformed. */
export function parseAnnouncement(message: string): { id: string; payload: string } | null {
  const cut = message.indexOf('\n');
  if (cut <= 0) return null;
  return { id: message.slice(0, cut), payload: message.slice(cut + 1) };
}
