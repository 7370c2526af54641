/**
 * Bytes in, text out: the first check every message passes, on both paths (a plain PUBLISH
 * arrives as bytes from the subscriber, a POST body as bytes from the socket). Pure.
 */
import { isUtf8 } from 'node:buffer';
import type { RejectReason } from './spool-event.js';

/** The message as text, or why it cannot be one. */
export type DecodeResult =
  | { ok: true; text: string }
  | { ok: false; reason: RejectReason; detail: string };

/**
 * Decodes a message as strict UTF-8. Oversized messages are refused before any decoding (a
 * 10 MB PUBLISH costs a length check); bytes that are not UTF-8 are refused instead of
 * being silently turned into U+FFFD, which would make the stored text differ from the sent.
 */
export function decodePayload(bytes: Uint8Array, maxEventBytes: number): DecodeResult {
  if (bytes.length > maxEventBytes) {
    return {
      ok: false,
      reason: 'too_large',
      detail: `event is larger than ${maxEventBytes} bytes`,
    };
  }
  if (!isUtf8(bytes)) {
    return { ok: false, reason: 'invalid_unicode', detail: 'event is not valid UTF-8' };
  }
  return {
    ok: true,
    text: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8'),
  };
}
