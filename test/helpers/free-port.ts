/**
 * Ephemeral TCP ports for servers that cannot bind port 0 themselves (redis-server refuses
 * `--port 0`). The port is free when returned but not reserved: callers that spawn a
 * process on it must retry on "address in use".
 */
import net from 'node:net';

/** Asks the kernel for a free port on 127.0.0.1, releases it and returns its number. */
export async function getFreePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  await new Promise<void>((resolve, reject) =>
    server.close((error) => (error ? reject(error) : resolve())),
  );
  if (address === null || typeof address === 'string') {
    throw new Error(`unexpected listen address from net.Server: ${String(address)}`);
  }
  return address.port;
}
