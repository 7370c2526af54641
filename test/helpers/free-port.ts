/**
 * Ephemeral TCP ports for servers that cannot bind port 0 themselves (redis-server refuses
 * `--port 0`). The port is free when returned but not reserved: callers that spawn a
 * process on it must retry on "address in use". One implementation, shared with the bench.
 */
export { freeLoopbackPort as getFreePort } from '../../support/redis-process.js';
