/**
 * The one subscriber's listener: what it hears on the producers' channel goes to the write
 * side (plain messages, decoded strictly at the edge, docs/contract.md §1), what it hears
 * on the announce channel to the read side (stored events). Messages read from one socket
 * chunk arrive in one tick and are handed on as one batch.
 */
import { performance } from 'node:perf_hooks';
import { decodePayload } from '../../domain/decode-payload.js';
import { idTimeMs } from '../../domain/event-id.js';
import type { Logger } from '../../observability/logger.js';
import type { StoredEvent } from '../feed.js';
import type { PlainMessage } from '../store.js';
import { parseAnnouncement } from './names.js';
import { DEAD_LETTER_PAYLOAD_MAX_CHARS } from './scripts.js';

/** Intake settings and where its batches go. */
export interface IntakeOptions {
  /** The producers' channel (SPOOLS_CHANNEL). */
  channel: string;
  /** The internal announce channel. */
  announceChannel: string;
  maxEventBytes: number;
  logger: Logger;
  onPlain(batch: PlainMessage[]): void;
  onAnnounced(batch: StoredEvent[]): void;
}

/**
 * Returns the `messageBuffer` listener. Buffers, not strings: ioredis would decode every
 * message as lossy UTF-8 (U+FFFD for bad bytes) and decode a 10 MB message before anyone
 * could refuse it.
 */
export function createIntake(options: IntakeOptions): (channel: Buffer, bytes: Buffer) => void {
  let plain: PlainMessage[] = [];
  let announced: StoredEvent[] = [];
  let isFlushScheduled = false;
  const flush = () => {
    isFlushScheduled = false;
    const plainBatch = plain;
    const announcedBatch = announced;
    plain = [];
    announced = [];
    if (plainBatch.length > 0) options.onPlain(plainBatch);
    if (announcedBatch.length > 0) options.onAnnounced(announcedBatch);
  };
  return (channelBytes, bytes) => {
    const receivedAtPerfMs = performance.now();
    const channel = channelBytes.toString();
    if (channel === options.channel) {
      const decoded = decodePayload(bytes, options.maxEventBytes);
      plain.push(
        decoded.ok
          ? { payload: decoded.text, bytes, receivedAtPerfMs }
          : {
              payload: bytes.subarray(0, DEAD_LETTER_PAYLOAD_MAX_CHARS).toString(),
              bytes,
              refused: { reason: decoded.reason, detail: decoded.detail },
              receivedAtPerfMs,
            },
      );
    } else if (channel === options.announceChannel) {
      // Our own script wrote it; the read side checks the meta and template it carries.
      const record = parseAnnouncement(bytes.toString());
      const storedAtMs = record ? idTimeMs(record.id) : null;
      if (!record || storedAtMs === null) {
        options.logger.warn(
          { channel },
          'ignored a malformed message on the internal announce channel',
        );
        return;
      }
      announced.push({ ...record, storedAtMs, receivedAtPerfMs });
    }
    if (isFlushScheduled) return;
    isFlushScheduled = true;
    setImmediate(flush);
  };
}
