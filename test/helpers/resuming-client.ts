/**
 * A client that behaves like a browser's EventSource across failures: when its stream
 * ends it reconnects (to the next URL in its list, as a load balancer would send it) with
 * `Last-Event-ID` set to the last id it saw, and records every frame from every connection.
 */
import type { ExecutionContext } from 'ava';
import { openSse, type SseClient, type SseFrame } from './sse-client.js';
import { waitFor } from './wait.js';

/** Records frames across reconnects. */
export class ResumingClient {
  connections = 0;
  private readonly sessions: SseClient[] = [];
  private current: SseClient | null = null;
  private isStopped = false;
  private lastId: string | null = null;
  private readonly urls: string[];

  constructor(urls: string[]) {
    this.urls = urls;
  }

  /** Connects and keeps reconnecting until `stop()`. Resolves after the first connect. */
  async start(): Promise<void> {
    await this.connect();
  }

  /** Every frame from every connection, in arrival order. */
  get frames(): SseFrame[] {
    return this.sessions.flatMap((session) => session.frames);
  }

  /** Spool updates received so far. */
  updates(): SseFrame[] {
    return this.frames.filter((f) => f.event === 'spool_update');
  }

  /** The first frame of any connection that broke docs/asyncapi.yaml, if any. */
  get contractViolation(): Error | undefined {
    return this.sessions.find((session) => session.contractViolation)?.contractViolation;
  }

  /** Waits until `check` holds for the frames received so far; a broken frame fails it. */
  async waitUntil(check: (client: ResumingClient) => boolean, message: string, timeoutMs = 60_000) {
    await waitFor(
      () => {
        if (this.contractViolation !== undefined) throw this.contractViolation;
        return check(this);
      },
      { timeoutMs, message },
    );
  }

  stop(): void {
    this.isStopped = true;
    this.current?.close();
  }

  private async connect(): Promise<void> {
    const url = this.urls[this.connections % this.urls.length] as string;
    this.connections += 1;
    const headers: Record<string, string> = this.lastId ? { 'Last-Event-ID': this.lastId } : {};
    let client: SseClient;
    try {
      client = await openSse(url, { headers, timeoutMs: 10_000 });
    } catch {
      if (!this.isStopped) setImmediate(() => void this.connect());
      return;
    }
    this.current = client;
    this.sessions.push(client);
    void client.closed.then(() => {
      const lastWithId = client.frames.findLast((f) => f.id !== undefined);
      if (lastWithId?.id !== undefined) this.lastId = lastWithId.id;
      if (!this.isStopped) void this.connect();
    });
  }
}

/** Starts a resuming client and stops it on teardown. */
export async function startResumingClient(
  t: Pick<ExecutionContext, 'teardown'>,
  urls: string[],
): Promise<ResumingClient> {
  const client = new ResumingClient(urls);
  t.teardown(() => {
    client.stop();
    if (client.contractViolation !== undefined) throw client.contractViolation;
  });
  await client.start();
  return client;
}
