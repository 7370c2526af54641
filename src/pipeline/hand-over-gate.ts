/**
 * How many tasks the pool hands to piscina at once. Two per thread: one running and one
 * already handed over, so a thread never idles while its next batch crosses over. The task
 * deadline starts at hand-over and so also covers one task's wait: after a failure the gate
 * hands over one task per thread for a while, so a batch queued behind a hung one is not
 * timed out with it. The rest wait here, first come first served.
 */
export class HandOverGate {
  private readonly waiting: (() => void)[] = [];
  private inFlight = 0;
  private carefulUntilMs = 0;

  constructor(
    private readonly threads: number,
    private readonly onQueueChange: (depth: number) => void = () => undefined,
    private readonly now: () => number = Date.now,
  ) {}

  /** Tasks waiting for a hand-over. */
  get queued(): number {
    return this.waiting.length;
  }

  /** Resolves when the caller may hand its task over. */
  async acquire(): Promise<void> {
    if (this.waiting.length === 0 && this.inFlight < this.limit()) {
      this.inFlight += 1;
      return;
    }
    await new Promise<void>((resolve) => {
      this.waiting.push(resolve);
      this.onQueueChange(this.queued);
    });
  }

  /** A handed-over task is done: the waiting ones go, in order, as far as the limit allows. */
  release(): void {
    this.inFlight -= 1;
    let next = this.inFlight < this.limit() ? this.waiting.shift() : undefined;
    while (next) {
      this.inFlight += 1;
      this.onQueueChange(this.queued);
      next();
      next = this.inFlight < this.limit() ? this.waiting.shift() : undefined;
    }
  }

  /** After a failure: one task per thread for the next `ms`. */
  beCarefulFor(ms: number): void {
    this.carefulUntilMs = this.now() + ms;
  }

  private limit(): number {
    return this.now() < this.carefulUntilMs ? this.threads : this.threads * 2;
  }
}
