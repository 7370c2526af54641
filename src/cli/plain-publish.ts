/**
 * A plain `PUBLISH` on the producers' channel, as the Python backend does (docs/contract.md
 * §1.1): no id and no acknowledgement, only the number of subscribers that heard it.
 */
import { describeError } from './describe-error.js';

/** Subscribers that heard the message (gateways included), or why it could not be sent. */
export type PlainOutcome = { ok: true; receivers: number } | { ok: false; message: string };

/** Connects once to `redisUrl` (no retries: a command line fails fast), publishes, disconnects. */
export async function plainPublish(
  redisUrl: string,
  channel: string,
  payload: string,
): Promise<PlainOutcome> {
  // ioredis loads only for --plain; the other subcommands start without it.
  const { Redis } = await import('ioredis');
  const redis = new Redis(redisUrl, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    connectTimeout: 5000,
    retryStrategy: () => null,
    // As the producers' ACL user, which may only PUBLISH: no INFO ready check (its refusal
    // is printed as a warning) and no CLIENT SETINFO.
    enableReadyCheck: false,
    disableClientInfo: true,
  });
  // Failures surface through connect() and publish(); ioredis also emits them here.
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    const receivers = await redis.publish(channel, payload);
    return { ok: true, receivers };
  } catch (error) {
    return { ok: false, message: `cannot publish to Redis: ${describeError(error)}` };
  } finally {
    redis.disconnect();
  }
}
