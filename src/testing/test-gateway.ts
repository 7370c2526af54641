/**
 * `startTestGateway`: a real gateway in the test's process (real HTTP server, worker
 * thread, embedded bus or a given Redis) on a free loopback port, with a stream already open.
 */
import { settleWithin } from '../async/deadline.js';
import { loadConfig } from '../config.js';
import { createLogger } from '../observability/logger.js';
import { startService } from '../service.js';
import { FrameQueue, type TestFrame } from './frame-queue.js';
import { openFrameStream } from './frame-stream.js';

/** Options of `startTestGateway`; every one may be left out. */
export interface TestGatewayOptions {
  /** A Redis URL (`REDIS_URL`); default the embedded in-process bus. */
  redisUrl?: string;
  /** Settings over the kit's defaults (PORT 0, HOST 127.0.0.1, POOL_THREADS 1, LOG_LEVEL silent). */
  env?: Record<string, string>;
  /** Keep heartbeat frames in `nextFrames` (default false: they arrive on a timer, not on an event). */
  heartbeats?: boolean;
  /** Deadline for the gateway to come up and its stream to connect, in ms (default 30 000). */
  startTimeoutMs?: number;
}

/** Options of `nextFrames`. */
export interface NextFramesOptions {
  /** How long to wait for the frames, in ms (default 10 000). */
  timeoutMs?: number;
}

/** A running test gateway. */
export interface TestGateway {
  /** Base URL, e.g. http://127.0.0.1:39113. */
  readonly url: string;
  /** POSTs `event` (an object, or JSON text) to /api/events; resolves to its id, rejects on anything but 202. */
  publish(
    event: Record<string, unknown> | string,
    options?: { idempotencyKey?: string },
  ): Promise<string>;
  /**
   * The next `count` frames the open stream received after its `connected` frame and not yet
   * returned, in order; rejects when `timeoutMs` passes, naming how many arrived.
   */
  nextFrames(count: number, options?: NextFramesOptions): Promise<TestFrame[]>;
  /** Closes the stream and stops the gateway; safe to call twice. */
  close(): Promise<void>;
}

/** The settings every test gateway starts from. */
export const TEST_GATEWAY_ENV: Readonly<Record<string, string>> = Object.freeze({
  PORT: '0',
  HOST: '127.0.0.1',
  POOL_THREADS: '1',
  LOG_LEVEL: 'silent',
});

/** Starts a gateway and its stream; resolves once it is ready and the stream is connected. */
export async function startTestGateway(options: TestGatewayOptions = {}): Promise<TestGateway> {
  const config = loadConfig({
    ...TEST_GATEWAY_ENV,
    ...(options.redisUrl === undefined ? {} : { REDIS_URL: options.redisUrl }),
    ...options.env,
  });
  const service = await startService(config, {
    logger: createLogger(config.logLevel),
    defaultMetrics: false,
  });
  const queue = new FrameQueue();
  const stream = openFrameStream(service.url, queue, options.heartbeats ?? false);
  let closing: Promise<void> | null = null;
  const close = () => {
    closing ??= (async () => {
      stream.close();
      await service.stop();
    })();
    return closing;
  };
  try {
    const startTimeoutMs = options.startTimeoutMs ?? 30_000;
    await settleWithin(
      Promise.all([service.ready, stream.connected]),
      startTimeoutMs,
      () =>
        new Error(
          `startTestGateway: the gateway was not ready with its stream connected within ${startTimeoutMs} ms`,
        ),
    );
  } catch (error) {
    await close();
    throw error;
  }
  return {
    url: service.url,
    publish: (event, publishOptions = {}) =>
      postEvent(service.url, event, publishOptions.idempotencyKey),
    nextFrames: (count, frameOptions = {}) => queue.take(count, frameOptions.timeoutMs ?? 10_000),
    close,
  };
}

async function postEvent(
  url: string,
  event: Record<string, unknown> | string,
  idempotencyKey: string | undefined,
): Promise<string> {
  const response = await fetch(`${url}/api/events`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(idempotencyKey === undefined ? {} : { 'idempotency-key': idempotencyKey }),
    },
    body: typeof event === 'string' ? event : JSON.stringify(event),
  });
  const text = await response.text();
  if (response.status !== 202) {
    throw new Error(`publish: POST /api/events answered ${response.status}: ${text.slice(0, 500)}`);
  }
  return (JSON.parse(text) as { id: string }).id;
}
