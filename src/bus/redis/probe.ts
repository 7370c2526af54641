/**
 * Bus health measured, not assumed: a frozen Redis (SIGSTOP, a stuck failover, a network
 * black hole) keeps its TCP connections open, so ioredis reports "ready" while nothing
 * flows. Every `intervalMs` both connections are PINGed with a deadline; the bus is down
 * from the first round that misses it until a round in which both answer.
 */
import { withTimeout } from '../../async/deadline.js';

/** Something that answers a PING (an ioredis client; the subscriber may PING too). */
export interface Pingable {
  ping(): Promise<unknown>;
}

/** Probe settings. */
export interface BusProbeOptions {
  targets: Readonly<Record<string, Pingable>>;
  intervalMs: number;
  timeoutMs: number;
  /** Called when the verdict changes, with the connections that missed the deadline. */
  onChange(isHealthy: boolean, failed: string[]): void;
  /** Extra work for each round (e.g. reading the subscriber's output buffer); errors ignored. */
  onRound?: () => Promise<void>;
}

/**
 * The probe's deadline for a heartbeat period: one period, but never under 2 s, so a busy
 * event loop on a small node is not taken for a frozen Redis.
 */
export function probeTimeoutMs(pingIntervalMs: number): number {
  return Math.max(pingIntervalMs, 2000);
}

/** Runs probe rounds on a timer; one round at a time. */
export class BusProbe {
  private readonly options: BusProbeOptions;
  private timer: NodeJS.Timeout | null = null;
  private isRoundRunning = false;
  private healthy = true;

  constructor(options: BusProbeOptions) {
    this.options = options;
  }

  /** False from the first missed deadline until both connections answer again. */
  get isHealthy(): boolean {
    return this.healthy;
  }

  /** Starts the rounds (idempotent). */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.round(), this.options.intervalMs);
    this.timer.unref();
  }

  /** Stops the rounds; the verdict stays as it was. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** One round: PING every target under the deadline. Exposed for tests. */
  async round(): Promise<void> {
    // A round still waiting on its deadline already counts; do not stack PINGs on a frozen Redis.
    if (this.isRoundRunning) return;
    this.isRoundRunning = true;
    try {
      const names = Object.keys(this.options.targets);
      const results = await Promise.allSettled(
        names.map((name) =>
          withTimeout((this.options.targets[name] as Pingable).ping(), this.options.timeoutMs),
        ),
      );
      const failed = names.filter((_, i) => results[i]?.status === 'rejected');
      const isHealthy = failed.length === 0;
      if (isHealthy !== this.healthy && this.timer !== null) {
        this.healthy = isHealthy;
        this.options.onChange(isHealthy, failed);
      }
      if (isHealthy) await this.options.onRound?.().catch(() => undefined);
    } finally {
      this.isRoundRunning = false;
    }
  }
}
