/**
 * What the subscriber hears, turned into batches: plain producer messages (decoded strictly
 * at the edge, docs/contract.md §1.2) and announcements of stored events. Messages read
 * from one socket chunk arrive in one tick and are handed on as one batch.
 */
import { performance } from 'node:perf_hooks';
import { decodePayload } from '../domain/decode-payload.js';
import { idTimeMs } from '../domain/event-id.js';
import type { Logger } from '../observability/logger.js';
import type { PlainMessage, StoredMessage } from './bus.js';
import { DEAD_LETTER_PAYLOAD_MAX_CHARS, parseAnnouncement } from './redis-scripts.js';

/** Intake settings and where its batches go. */
export interface IntakeOptions {
  /** The producers' channel (SPOOLS_CHANNEL). */
  channel: string;
  /** The internal announce channel. */
  announceChannel: string;
  maxEventBytes: number;
  logger: Logger;
  onPlain(batch: PlainMessage[]): void;
  onStored(batch: StoredMessage[]): void;
}

/**
 * Returns the `messageBuffer` listener. Buffers, not strings: ioredis would decode every
 * message as lossy UTF-8 (U+FFFD for bad bytes) and decode a 10 MB message before anyone
 * could refuse it.
 */
export function createIntake(options: IntakeOptions): (channel: Buffer, bytes: Buffer) => void {
  let plain: PlainMessage[] = [];
  let stored: StoredMessage[] = [];
  let isFlushScheduled = false;
  const flush = () => {
    isFlushScheduled = false;
    const plainBatch = plain;
    const storedBatch = stored;
    plain = [];
    stored = [];
    if (plainBatch.length > 0) options.onPlain(plainBatch);
    if (storedBatch.length > 0) options.onStored(storedBatch);
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
      // Our own script wrote it from text that passed decodePayload.
      const parsed = parseAnnouncement(bytes.toString());
      const storedAtMs = parsed ? idTimeMs(parsed.id) : null;
      if (!parsed || storedAtMs === null) {
        options.logger.warn(
          { channel },
          'ignored a malformed message on the internal announce channel',
        );
        return;
      }
      stored.push({ id: parsed.id, payload: parsed.payload, storedAtMs, receivedAtPerfMs });
    }
    if (isFlushScheduled) return;
    isFlushScheduled = true;
    setImmediate(flush);
  };
}
