/**
 * The Lua scripts that make "stored" mean one thing everywhere: the prepared event is
 * appended to the capped stream, its spool's state row patched, and the event announced on
 * the internal channel in one atomic step, so announcement order is storage order (Redis
 * runs scripts one at a time). A claim key, when given, makes the step happen at most once
 * across replicas; an idempotency key makes a retried publish return the first id.
 */

import type { Redis } from 'ioredis';
import { withTimeout } from '../../async/deadline.js';
import type { PreparedEvent } from '../../domain/prepare-event.js';
import { IDEMPOTENCY_TTL_MS, type StoreRequest } from '../../domain/publish-request.js';
import { UNDECODABLE_STATE_DETAIL } from '../../domain/spool-state.js';
import type { StoreResult } from '../store.js';
import { confirmReplicas } from './connection.js';
import { FIELD_META, FIELD_TEMPLATE, type RedisNames } from './names.js';

// KEYS: stream, state hash, claim key, idempotency key (an absent one is passed as its bare
//       prefix, so every key named stays under the prefix a Redis ACL grants).
// ARGV: template, maxlen, announce channel, claim ttl ms, tag, state patch JSON,
//       idempotency ttl ms, meta, '1' when there is a claim key, '1' when there is an
//       idempotency key.
// Returns {id, 0} when stored, {first id, 1} for a repeated idempotency key, {'', 2} when
// the state patch cannot be decoded (bad input: nothing written), false when the claim was
// taken by another replica. The state row merge is the Lua twin of applyStatePatch.
//
// All or nothing: Redis does not undo the writes of a script that fails half-way, so every
// value the script decodes or encodes is checked (pcall) before its first write. A stored
// row that cannot be read (not ours) is replaced rather than failing the event.
const STORE_LUA = `
local row = false
if ARGV[6] ~= '' then
  local is_patch, patch = pcall(cjson.decode, ARGV[6])
  if not is_patch or type(patch) ~= 'table' then return {'', 2} end
  row = {}
  local current = redis.call('HGET', KEYS[2], ARGV[5])
  if current then
    local is_row, decoded = pcall(cjson.decode, current)
    if is_row and type(decoded) == 'table' then row = decoded end
  end
  for key, value in pairs(patch) do row[key] = value end
  row['last_event_id'] = ''
  if not pcall(cjson.encode, row) then return {'', 2} end
end
if ARGV[10] == '1' then
  local prior = redis.call('GET', KEYS[4])
  -- A write, so a WAIT after a replayed publish also covers the first one (replication
  -- is one ordered stream): the retry is acknowledged only once the event is replicated.
  if prior then
    redis.call('PEXPIRE', KEYS[4], ARGV[7])
    return {prior, 1}
  end
end
if ARGV[9] == '1' then
  if not redis.call('SET', KEYS[3], '1', 'NX', 'PX', ARGV[4]) then return false end
end
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', '${FIELD_TEMPLATE}', ARGV[1], '${FIELD_META}', ARGV[8])
if row then
  row['last_event_id'] = id
  redis.call('HSET', KEYS[2], ARGV[5], cjson.encode(row))
end
if ARGV[10] == '1' then redis.call('SET', KEYS[4], id, 'PX', ARGV[7]) end
redis.call('PUBLISH', ARGV[3], id .. '\\n' .. ARGV[8] .. '\\n' .. ARGV[1])
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

/** What one run of the store script did. */
export type StoreReply =
  | { status: 'stored'; id: string }
  /** A repeated Idempotency-Key: the first publish's id; nothing stored. */
  | { status: 'replayed'; id: string }
  /** Another replica claimed this plain message first; nothing stored here. */
  | { status: 'claimed_elsewhere' }
  /** The script could not decode what it was given (bad input); nothing written. */
  | { status: 'refused' };

/** Runs the store script: stores (or claims, or replays an idempotent publish) one event. */
export async function runStore(
  redis: ScriptedRedis,
  names: RedisNames,
  request: PreparedEvent & {
    claimKey?: string;
    claimTtlMs?: number;
    idempotencyKey?: string;
    historySize: number;
  },
): Promise<StoreReply> {
  const reply = await redis.spoolcastStore(
    4,
    names.events,
    names.state,
    `${names.claimPrefix}${request.claimKey ?? ''}`,
    `${names.idempotencyPrefix}${request.idempotencyKey ?? ''}`,
    request.template,
    request.historySize,
    names.announce,
    request.claimTtlMs ?? 0,
    request.tag,
    request.patch,
    IDEMPOTENCY_TTL_MS,
    request.meta,
    request.claimKey ? '1' : '0',
    request.idempotencyKey ? '1' : '0',
  );
  if (!reply) return { status: 'claimed_elsewhere' };
  const flag = Number(reply[1]);
  if (flag === 2) return { status: 'refused' };
  return { status: flag === 1 ? 'replayed' : 'stored', id: String(reply[0]) };
}

/**
 * The store step of the publish recipe, shared by the Redis store (`POST /api/events`) and
 * `RedisEventService`: one script run under a deadline, its reply mapped to a StoreResult.
 * Bad input the script refuses is `refused` (answer 400); Redis failing is `unavailable`.
 */
export async function storeEvent(
  redis: ScriptedRedis,
  names: RedisNames,
  request: StoreRequest,
  options: {
    historySize: number;
    timeoutMs: number;
    /** Replicas that must confirm the write (WAIT) within the same deadline; default 0. */
    replicaAcks?: number;
    /** Strips secrets from error text (connection.ts `redact`). */
    redact?: (text: string) => string;
  },
): Promise<StoreResult> {
  const startedAt = Date.now();
  try {
    const reply = await withTimeout(
      runStore(redis, names, { ...request, historySize: options.historySize }),
      options.timeoutMs,
    );
    if (reply.status === 'refused') {
      return { ok: false, kind: 'refused', reason: UNDECODABLE_STATE_DETAIL };
    }
    if (reply.status === 'claimed_elsewhere') {
      return { ok: false, kind: 'unavailable', reason: 'redis did not store the event' };
    }
    // Acknowledged only once enough replicas hold it (PUBLISH_REPLICA_ACKS).
    const shortfall = await confirmReplicas(
      redis,
      options.replicaAcks ?? 0,
      options.timeoutMs - (Date.now() - startedAt),
    );
    if (shortfall) return { ok: false, kind: 'unavailable', reason: shortfall };
    return { ok: true, id: reply.id, isReplay: reply.status === 'replayed' };
  } catch (error) {
    const message = (error as Error).message;
    return {
      ok: false,
      kind: 'unavailable',
      reason: `redis unavailable: ${options.redact ? options.redact(message) : message}`,
    };
  }
}
