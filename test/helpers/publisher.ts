/**
 * A producer that publishes over `POST /api/events` until stopped, retrying every non-202
 * answer with the same Idempotency-Key (as the README tells producers to), and records
 * which events were acknowledged, in order.
 */
import type { ExecutionContext } from 'ava';
import { checkResponse } from './api-contract.js';
import { waitFor } from './wait.js';

/** An acknowledged publish: the event's number and the id the gateway answered. */
export interface Acked {
  n: number;
  id: string;
}

/** Publishes numbered events one after another; `acked` grows as 202s arrive. */
export class HttpPublisher {
  readonly acked: Acked[] = [];
  /** Answers other than 202 (retried), by status ('error' for a network failure). */
  readonly failures = new Map<string, number>();
  /** The first answer that broke docs/openapi.yaml: it stops the publisher and fails waits. */
  private violation: unknown;
  private isStopped = false;
  private loop: Promise<void> = Promise.resolve();

  constructor(
    private readonly urls: () => string[],
    private readonly label: string,
  ) {}

  start(): void {
    this.loop = this.run().catch((error: unknown) => {
      this.violation = error;
      throw error;
    });
    // Reported by waitForAcks and by stop() (the teardown), not as an unhandled rejection.
    this.loop.catch(() => undefined);
  }

  /** Stops after the publish in flight is acknowledged; resolves with every ack. */
  async stop(): Promise<Acked[]> {
    this.isStopped = true;
    await this.loop;
    return this.acked;
  }

  /** Waits until at least `count` events were acknowledged. */
  async waitForAcks(count: number, timeoutMs = 60_000): Promise<void> {
    await waitFor(
      () => {
        if (this.violation !== undefined) throw this.violation;
        return this.acked.length >= count;
      },
      {
        timeoutMs,
        message: `${count} acknowledged publishes (have ${this.acked.length}; failures ${JSON.stringify([...this.failures])})`,
      },
    );
  }

  private async run(): Promise<void> {
    for (let n = 1; !this.isStopped; n += 1) {
      const key = `${this.label}-${n}`;
      const body = JSON.stringify({ event_type: 'STATE_CHANGE', tag_spool: `SPOOL-${n % 7}`, n });
      for (let attempt = 0; ; attempt += 1) {
        const urls = this.urls();
        const url = urls[attempt % urls.length] as string;
        const response = await fetch(`${url}/api/events`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': key },
          body,
          signal: AbortSignal.timeout(10_000),
        }).catch(() => null);
        // Every answer, 202 or not, must be one docs/openapi.yaml lists.
        if (response) await checkResponse('POST', `${url}/api/events`, response);
        if (response?.status === 202) {
          this.acked.push({ n, id: ((await response.json()) as { id: string }).id });
          break;
        }
        const status = response ? String(response.status) : 'error';
        await response?.text().catch(() => undefined);
        this.failures.set(status, (this.failures.get(status) ?? 0) + 1);
        // Back off a little between retries of one event (not a synchronisation wait).
        await new Promise((resolve) => setTimeout(resolve, Math.min(200, 10 * 2 ** attempt)));
      }
    }
  }
}

/** Starts a publisher and stops it on teardown. */
export function startHttpPublisher(
  t: Pick<ExecutionContext, 'teardown'>,
  urls: () => string[],
  label = 'pub',
): HttpPublisher {
  const publisher = new HttpPublisher(urls, label);
  t.teardown(() => publisher.stop());
  publisher.start();
  return publisher;
}
