/**
 * The HTTP server around the Koa app: how malformed requests are answered, the keep-alive
 * timeouts, and the listen. The app serves routes; this owns the socket-level policy.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Above common proxy upstream keepalives (60 s), so the proxy closes idle sockets first. */
export const KEEP_ALIVE_TIMEOUT_MS = 65_000;
/** A reconnect storm arrives at once: the kernel queues this many connections. */
const LISTEN_BACKLOG = 4096;

/** The status line Node would answer a malformed request with, by parser error code. */
export function clientErrorStatus(code: string | undefined): string {
  if (code === 'HPE_HEADER_OVERFLOW') return '431 Request Header Fields Too Large';
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return '408 Request Timeout';
  return '400 Bad Request';
}

/**
 * Creates the server (its request listener is added by the caller, once the app exists);
 * malformed requests are answered and reported, never thrown.
 */
export function createHttpServer(
  reportRequestError: (error: NodeJS.ErrnoException) => void,
): Server {
  const server = createServer();
  // Answer as Node does by default, but log (bounded) instead of staying silent, and never
  // let one reach the process as an uncaught error.
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    reportRequestError(error);
    if (!socket.writable || error.code === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    socket.end(
      `HTTP/1.1 ${clientErrorStatus(error.code)}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`,
    );
  });
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.headersTimeout = KEEP_ALIVE_TIMEOUT_MS + 1000;
  return server;
}

/** Listens on `port`/`host` and resolves to a base URL clients can use. */
export async function listen(server: Server, port: number, host: string): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host, backlog: LISTEN_BACKLOG }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const bound = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const reachable = bound === '0.0.0.0' || bound === '[::]' ? '127.0.0.1' : bound;
  return `http://${reachable}:${address.port}`;
}
