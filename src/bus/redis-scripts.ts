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
  state: string;
  epoch: string;
  idempotencyPrefix: string;
}

/** Derives every key and internal channel from the prefix. */
export function redisNames(keyPrefix: string): RedisNames {
  return {
    events: `${keyPrefix}events`,
    deadLetters: `${keyPrefix}deadletters`,
    announce: `${keyPrefix}announce`,
    claimPrefix: `${keyPrefix}claim:`,
    state: `${keyPrefix}state`,
    epoch: `${keyPrefix}epoch`,
    idempotencyPrefix: `${keyPrefix}idem:`,
  };
}

// KEYS: stream, state hash, claim key or '', idempotency key or ''.
// ARGV: payload, maxlen, announce channel, claim ttl ms, tag, state patch JSON, idempotency ttl ms.
// Returns {id, 0} when stored, {first id, 1} for a repeated idempotency key, false when the
// claim was taken by another replica. The state row merge is the Lua twin of applyStatePatch.
const STORE_LUA = `
if KEYS[4] ~= '' then
  local prior = redis.call('GET', KEYS[4])
  if prior then return {prior, 1} end
end
if KEYS[3] ~= '' then
  if not redis.call('SET', KEYS[3], '1', 'NX', 'PX', ARGV[4]) then return false end
end
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', 'p', ARGV[1])
if ARGV[6] ~= '' then
  local current = redis.call('HGET', KEYS[2], ARGV[5])
  local row = current and cjson.decode(current) or {}
  for key, value in pairs(cjson.decode(ARGV[6])) do row[key] = value end
  row['last_event_id'] = id
  redis.call('HSET', KEYS[2], ARGV[5], cjson.encode(row))
end
if KEYS[4] ~= '' then redis.call('SET', KEYS[4], id, 'PX', ARGV[7]) end
redis.call('PUBLISH', ARGV[3], id .. '\\n' .. ARGV[1])
return {id, 0}
`;

// KEYS: epoch hash. ARGV: candidate id, incomplete flag ('1' when a previous epoch was
// known: its data is gone). Creates the epoch once; everyone reads the same one.
const EPOCH_LUA = `
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('HSET', KEYS[1], 'id', ARGV[1], 'incomplete', ARGV[2])
end
return redis.call('HMGET', KEYS[1], 'id', 'incomplete')
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
  spoolcastStore(numKeys: number, ...args: (string | number)[]): Promise<[string, number] | null>;
  spoolcastEpoch(
    numKeys: number,
    ...args: (string | number)[]
  ): Promise<[string | null, string | null]>;
  spoolcastDeadLetter(numKeys: number, ...args: (string | number)[]): Promise<string | null>;
};

/** Defines the scripts on a client (idempotent). */
export function withScripts(redis: Redis): ScriptedRedis {
  const scripted = redis as ScriptedRedis;
  if (typeof scripted.spoolcastStore !== 'function') {
    redis.defineCommand('spoolcastStore', { lua: STORE_LUA });
    redis.defineCommand('spoolcastDeadLetter', { lua: DEAD_LETTER_LUA });
    redis.defineCommand('spoolcastEpoch', { lua: EPOCH_LUA });
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

/** Longest accepted idempotency key (HTTP header and publisher option). */
export const MAX_IDEMPOTENCY_KEY_CHARS = 256;

/** How long an Idempotency-Key is remembered: a day covers any sane retry policy. */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

/** Runs the store script: stores (or claims, or replays an idempotent publish) one event. */
export async function runStore(
  redis: ScriptedRedis,
  names: RedisNames,
  request: {
    payload: string;
    tag: string;
    patch: string;
    claimKey?: string;
    claimTtlMs?: number;
    idempotencyKey?: string;
    historySize: number;
  },
): Promise<{ id: string; isReplay: boolean } | null> {
  const reply = await redis.spoolcastStore(
    4,
    names.events,
    names.state,
    request.claimKey ? `${names.claimPrefix}${request.claimKey}` : '',
    request.idempotencyKey ? `${names.idempotencyPrefix}${request.idempotencyKey}` : '',
    request.payload,
    request.historySize,
    names.announce,
    request.claimTtlMs ?? 0,
    request.tag,
    request.patch,
    IDEMPOTENCY_TTL_MS,
  );
  if (!reply) return null;
  return { id: String(reply[0]), isReplay: Number(reply[1]) === 1 };
}
