/**
 * The frames a test gateway's stream has received and not yet handed out, and the waits
 * for the next ones, each with a deadline whose message says how many frames arrived.
 */

/** One parsed SSE frame: its event name, its `id:` (null when it has none) and its data. */
export interface TestFrame {
  event: string;
  id: string | null;
  /** The `data:` parsed as JSON when it is JSON, else the text. */
  data: unknown;
}

interface Waiter {
  count: number;
  resolve(frames: TestFrame[]): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/** Frames in arrival order; `take` hands out each one once, to callers in call order. */
export class FrameQueue {
  readonly #frames: TestFrame[] = [];
  readonly #waiters: Waiter[] = [];
  #endReason: string | null = null;

  /** Adds a frame that arrived and serves the waiting callers that now have enough. */
  push(frame: TestFrame): void {
    this.#frames.push(frame);
    this.#serve();
  }

  /** The stream is over (`reason` says why): waits that cannot be met reject at once. */
  end(reason: string): void {
    this.#endReason ??= reason;
    this.#serve();
  }

  /**
   * Resolves with the next `count` frames not yet handed out, or rejects after `timeoutMs`
   * (or when the stream ends first) naming how many had arrived; those stay queued.
   */
  take(count: number, timeoutMs: number): Promise<TestFrame[]> {
    if (!Number.isInteger(count) || count < 0) {
      return Promise.reject(
        new RangeError(`nextFrames: count must be a whole number, got ${count}`),
      );
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        count,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.#drop(waiter);
          reject(new Error(this.#shortfall(count, `within ${timeoutMs} ms`)));
        }, timeoutMs),
      };
      this.#waiters.push(waiter);
      this.#serve();
    });
  }

  /** Hands frames to waiters in call order; a waiter never jumps one that came before it. */
  #serve(): void {
    for (let first = this.#waiters[0]; first !== undefined; first = this.#waiters[0]) {
      if (this.#frames.length >= first.count) {
        this.#drop(first);
        first.resolve(this.#frames.splice(0, first.count));
      } else if (this.#endReason !== null) {
        this.#drop(first);
        first.reject(
          new Error(this.#shortfall(first.count, `before the stream ended (${this.#endReason})`)),
        );
      } else {
        return;
      }
    }
  }

  #drop(waiter: Waiter): void {
    clearTimeout(waiter.timer);
    const index = this.#waiters.indexOf(waiter);
    if (index !== -1) this.#waiters.splice(index, 1);
  }

  #shortfall(count: number, when: string): string {
    const arrived = this.#frames.map((frame) => frame.event);
    const list = arrived.length === 0 ? '' : ` (${arrived.join(', ')})`;
    return `nextFrames: expected ${count} frame${count === 1 ? '' : 's'} ${when}; ${arrived.length} arrived${list}`;
  }
}

/** A frame as the kit returns it: `data` JSON-parsed when it parses. */
export function toTestFrame(
  event: string | undefined,
  id: string | undefined,
  data: string,
): TestFrame {
  let parsed: unknown = data;
  try {
    parsed = JSON.parse(data);
  } catch {
    // not JSON: the text as it came
  }
  return { event: event ?? 'message', id: id ?? null, data: parsed };
}
