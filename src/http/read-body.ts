/**
 * Reads a request body's bytes up to a byte limit, stopping early (413) instead of
 * buffering an oversized upload. Decoding is the domain's job (decodePayload).
 */
import type { IncomingMessage } from 'node:http';

/** The body, or why it could not be read. */
export type BodyResult =
  | { ok: true; bytes: Buffer }
  | { ok: false; isTooLarge: boolean; message: string };

/** Reads at most `maxBytes`; a declared or actual larger body is refused. */
export async function readBody(req: IncomingMessage, maxBytes: number): Promise<BodyResult> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    return {
      ok: false,
      isTooLarge: true,
      message: `body is ${declared} bytes; the limit is ${maxBytes}`,
    };
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > maxBytes) {
        return {
          ok: false,
          isTooLarge: true,
          message: `body exceeds the limit of ${maxBytes} bytes`,
        };
      }
      chunks.push(chunk as Buffer);
    }
  } catch (error) {
    return {
      ok: false,
      isTooLarge: false,
      message: `could not read the body: ${(error as Error).message}`,
    };
  }
  return { ok: true, bytes: Buffer.concat(chunks) };
}
