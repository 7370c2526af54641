/**
 * The socket side of one SSE response, shared by the stream route and the tests that drive
 * the hub with a plain Node server: the headers go out at once, then the stream's body is
 * piped straight to the socket. The response is close-delimited: it ends when the
 * connection does, and nothing else is ever written on that connection.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';

/** The contract's stream headers (docs/contract.md §2), for GET, HEAD and the drain reply. */
export const STREAM_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Content-Type': 'text/event-stream',
  'Cache-Control': 'no-cache, no-transform',
  'X-Accel-Buffering': 'no',
});

const ATTACHED_HEADERS = Object.freeze({ ...STREAM_HEADERS, Connection: 'close' });

/**
 * Sends the status and headers now and pipes `body` to the socket. Call after setting any
 * other headers; the response object writes nothing more.
 */
export function attachStream(req: IncomingMessage, res: ServerResponse, body: Readable): void {
  const { socket } = req;
  // Frames are small and latency matters more than packet count.
  socket.setNoDelay(true);
  socket.setKeepAlive(true);
  req.setTimeout(0);
  // No chunked framing: the body is the bytes of the frames, and the stream ends when the
  // connection does (a stream never shares its connection). Chunked encoding added framing
  // and a cork/uncork to every write.
  res.useChunkedEncodingByDefault = false;
  // writeHead with the headers (not setHeader): unless a header was set before (CORS),
  // the response keeps no header map for the life of the stream, only the sent text.
  res.writeHead(200, ATTACHED_HEADERS);
  // Without an explicit flush the headers would wait for the first body write.
  res.flushHeaders();
  // After the headers a close-delimited body has nothing left for the HTTP layer to do, so
  // the frames go straight to the socket instead of through the response, which would also
  // cork the socket on every write. What pipe() does, with four listeners instead of its
  // nine per-stream closures (more than the rest of a stream's own state): the body pauses
  // while the socket is full, so the socket's writes stay small and a slow reader's
  // progress shows write by write (the slow-client rule measures it). The body lives as
  // long as the connection.
  body.on('data', (chunk: Buffer) => {
    if (!socket.write(chunk)) body.pause();
  });
  socket.on('drain', () => body.resume());
  body.on('end', () => socket.end());
  socket.on('close', () => body.destroy());
}
