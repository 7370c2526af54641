/**
 * Whether the Redis bus can move events end to end ("ok"): subscribed, the command
 * connection ready, and both connections answering the health probe (probe.ts).
 * Also what the connections say about themselves: subscriber drops with their cause,
 * the subscriber's output buffer in Redis, and refused credentials (logged once at error).
 */
import type { Redis } from 'ioredis';
import type { BusHealth } from '../../domain/bus-health.js';
import type { Logger } from '../../observability/logger.js';
import { BusProbe, probeTimeoutMs } from './probe.js';

/** Redis refusing our credentials or permissions: a configuration problem, logged at error. */
const AUTH_ERROR = /^(WRONGPASS|NOAUTH|NOPERM)\b/;

/** Health settings and callbacks. */
export interface RedisHealthOptions {
  sub: Redis;
  cmd: Redis;
  pingIntervalMs: number;
  logger: Logger;
  /** Called on every change of the verdict. */
  onChange(status: BusHealth): void;
  onSubscriberDrop?: (cause: string) => void;
  onSubscriberBuffer?: (bytes: number) => void;
}

/** Tracks the verdict; the bus tells it when the subscription is (re)confirmed or lost. */
export class RedisHealth {
  private readonly options: RedisHealthOptions;
  private readonly probe: BusProbe;
  private current: BusHealth = 'down';
  private isSubscribed = false;
  private isStopped = false;
  private isAuthErrorLogged = false;
  private isClientListRefused = false;
  // The last error the subscriber saw names the cause of a drop (reset, timeout); a drop
  // with none is Redis closing it (CLIENT KILL, output buffer limit, restart).
  private lastSubError: NodeJS.ErrnoException | null = null;

  constructor(options: RedisHealthOptions) {
    this.options = options;
    const { sub, cmd, logger } = options;
    // Both connections answer a PING under a deadline, or the bus is down: a frozen Redis
    // keeps its sockets open and ioredis would go on calling them ready.
    this.probe = new BusProbe({
      targets: { subscriber: sub, commands: cmd },
      intervalMs: Math.max(100, options.pingIntervalMs),
      timeoutMs: probeTimeoutMs(options.pingIntervalMs),
      onChange: (isHealthy, failed) => {
        if (isHealthy) logger.info('redis answers the health probe again');
        else logger.warn({ failed }, 'redis did not answer the health probe in time: bus down');
        this.refresh();
      },
      onRound: async () => {
        if (!options.onSubscriberBuffer) return;
        const bytes = await this.readSubscriberBuffer();
        if (bytes !== null) options.onSubscriberBuffer(bytes);
      },
    });
    for (const event of ['close', 'reconnecting', 'end'] as const) {
      sub.on(event, () => this.subscriptionLost(event));
      cmd.on(event, () => this.refresh());
    }
    cmd.on('ready', () => {
      this.isAuthErrorLogged = false;
      this.refresh();
    });
    // Errors are reported through the state events above; without a listener ioredis would
    // print each reconnect failure as an unhandled error. A refused password is not a blip.
    sub.on('error', (error: NodeJS.ErrnoException) => {
      this.lastSubError = error;
      this.onError('subscriber', error);
    });
    cmd.on('error', (error: NodeJS.ErrnoException) => this.onError('commands', error));
  }

  /** The verdict screens see as `bus`. */
  get status(): BusHealth {
    return this.current;
  }

  /** The subscription is in place (start-up, or a confirmed resubscription). */
  subscribed(): void {
    this.isSubscribed = true;
    this.probe.start();
    this.refresh();
  }

  /** Stops probing; the bus is down for good. */
  stop(): void {
    this.isStopped = true;
    this.probe.stop();
    this.refresh();
  }

  private subscriptionLost(event: string): void {
    if (!this.isStopped && this.isSubscribed) {
      const cause = this.lastSubError?.code ?? 'closed_by_server';
      this.options.logger.warn({ event, cause }, 'redis subscriber lost its connection');
      this.options.onSubscriberDrop?.(cause);
    }
    this.lastSubError = null;
    this.isSubscribed = false;
    this.refresh();
  }

  private refresh(): void {
    const isFlowing =
      this.isSubscribed && this.options.cmd.status === 'ready' && this.probe.isHealthy;
    const next: BusHealth = isFlowing && !this.isStopped ? 'ok' : 'down';
    if (next === this.current) return;
    this.current = next;
    if (!this.isStopped) this.options.onChange(next);
  }

  private onError(connection: string, error: NodeJS.ErrnoException): void {
    if (AUTH_ERROR.test(error.message)) {
      // The message names no secret; logged once until a connection succeeds.
      if (!this.isAuthErrorLogged) {
        this.options.logger.error(
          { connection, reason: error.message },
          'redis refused the credentials',
        );
      }
      this.isAuthErrorLogged = true;
      return;
    }
    this.options.logger.debug(
      { connection, reason: error.message, code: error.code },
      'redis connection error',
    );
  }

  // Redis's output buffer for our subscriber (CLIENT LIST `omem`): what Redis holds that we
  // have not read yet. Past `client-output-buffer-limit pubsub` Redis drops the connection.
  private async readSubscriberBuffer(): Promise<number | null> {
    const localPort = (this.options.sub as unknown as { stream?: { localPort?: number } }).stream
      ?.localPort;
    if (!localPort || this.isClientListRefused) return null;
    try {
      const list = String(await this.options.cmd.call('CLIENT', 'LIST', 'TYPE', 'pubsub'));
      const line = list
        .split('\n')
        .find((l) => / name=spoolcast-sub /.test(l) && l.includes(`:${localPort} `));
      const omem = line ? /\bomem=(\d+)/.exec(line)?.[1] : undefined;
      return omem === undefined ? null : Number(omem);
    } catch {
      // Managed Redis often renames or disables CLIENT: stop asking.
      this.isClientListRefused = true;
      return null;
    }
  }
}
