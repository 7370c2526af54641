/**
 * The producers' channel on the command connection: claim each prepared plain message
 * (store it once across replicas) or dead-letter it once, in arrival order on one
 * connection.
 */
import { UNDECODABLE_STATE_DETAIL } from '../../domain/spool-state.js';
import type { ClaimItem, ClaimReport, DeadLetter } from '../store.js';
import type { RedisNames } from './names.js';
import { DEAD_LETTER_PAYLOAD_MAX_CHARS, runStore, type ScriptedRedis } from './scripts.js';

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

  // Appends a dead letter at most once across replicas (keyed like the claim it replaces).
  const deadLetterOnce = (item: ClaimItem, entry: Pick<DeadLetter, 'reason' | 'detail'>) =>
    cmd.spoolcastDeadLetter(
      2,
      names.deadLetters,
      `${names.claimPrefix}${item.claimKey}`,
      options.deadLetterSize,
      options.claimWindowMs,
      entry.reason,
      entry.detail,
      item.payload.slice(0, DEAD_LETTER_PAYLOAD_MAX_CHARS),
      'redis',
    );

  /** Stores the prepared messages in order; each lands once across all replicas. */
  const claim = async (items: ClaimItem[]): Promise<ClaimReport> => {
    // The subscriber can be back before the command connection: wait for it (bounded)
    // rather than drop what this replica received meanwhile.
    try {
      await options.waitForCommands();
    } catch {
      return { failed: items.length, refused: 0 };
    }
    // Issued back to back on one connection, so Redis runs the claims in arrival order and
    // the stream order matches the channel order on every replica.
    let refused = 0;
    const results = await Promise.allSettled(
      items.map(async (item) => {
        if (!item.prepared) {
          return deadLetterOnce(item, item.rejected ?? { reason: 'invalid_value', detail: '' });
        }
        const reply = await runStore(cmd, names, {
          ...item.prepared,
          claimKey: item.claimKey,
          claimTtlMs: options.claimWindowMs,
          historySize: options.historySize,
        });
        // Nothing was written (the claim key neither): dead-letter it once instead.
        if (reply.status === 'refused') {
          refused += 1;
          return deadLetterOnce(item, {
            reason: 'invalid_value',
            detail: UNDECODABLE_STATE_DETAIL,
          });
        }
        return reply;
      }),
    );
    return { failed: results.filter((r) => r.status === 'rejected').length, refused };
  };

  return { claim };
}
