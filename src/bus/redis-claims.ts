/**
 * The command side of plain PUBLISHes: claim each checked message (store it once across
 * replicas) or dead-letter it once, in arrival order on one connection.
 */
import type { ClaimItem, ClaimReport, DeadLetter } from './bus.js';
import {
  DEAD_LETTER_PAYLOAD_MAX_CHARS,
  type RedisNames,
  runStore,
  type ScriptedRedis,
} from './redis-scripts.js';

/** Claim settings. */
export interface ClaimerOptions {
  cmd: ScriptedRedis;
  names: RedisNames;
  historySize: number;
  deadLetterSize: number;
  claimWindowMs: number;
  /** Resolves once the command connection is ready, or rejects after its own deadline. */
  waitForCommands(): Promise<void>;
}

/** Creates the claimer. */
export function createClaimer(options: ClaimerOptions) {
  const { cmd, names } = options;

  /** Appends a dead letter; with `claimKey`, at most once across replicas. */
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

  /** Stores the claimed messages in order; each lands once across all replicas. */
  const claim = async (items: ClaimItem[]): Promise<ClaimReport> => {
    // The subscriber can be back before the command connection: wait for it (bounded)
    // rather than drop what this replica received meanwhile.
    try {
      await options.waitForCommands();
    } catch {
      return { failed: items.length, refused: [] };
    }
    // Issued back to back on one connection, so Redis runs the claims in arrival order and
    // the stream order matches the channel order on every replica.
    const refused: number[] = [];
    const results = await Promise.allSettled(
      items.map(async (item, index) => {
        if (!item.store) {
          return deadLetterOnce(
            item,
            item.rejected?.reason ?? 'invalid_value',
            item.rejected?.detail ?? 'rejected',
          );
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
    return { failed, refused };
  };

  return { claim, writeDeadLetter };
}
