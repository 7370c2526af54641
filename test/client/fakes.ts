/**
 * A fake EventSource, clock, page and HEAD probe for the browser client's unit tests: frames,
 * failures and answers are pushed by the test, and time moves only when the test advances it.
 */
import type { Clock, EventSourceLike, PageSignals } from '../../src/client/browser-env.js';
import { SpoolStream, type SpoolStreamOptions } from '../../src/client/spool-stream.js';
import type { StreamStatus } from '../../src/client/status.js';

/** An EventSource the test drives. */
export class FakeEventSource implements EventSourceLike {
  readyState = 0;
  isClosed = false;
  private readonly listeners = new Map<string, ((event: MessageEvent<string>) => void)[]>();

  constructor(
    readonly url: string,
    readonly withCredentials: boolean,
  ) {}

  addEventListener(type: string, listener: (event: MessageEvent<string>) => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }

  close(): void {
    this.readyState = 2;
    this.isClosed = true;
  }

  /** Delivers one frame as the browser would. */
  emit(type: string, data: unknown, lastEventId = ''): void {
    this.readyState = 1;
    const event = { data: JSON.stringify(data), lastEventId, type } as MessageEvent<string>;
    for (const listener of this.listeners.get(type) ?? []) listener(event);
  }

  /** An error event; `readyState` 0 = the browser retries, 2 = it gave up. */
  fail(readyState: 0 | 2): void {
    this.readyState = readyState;
    for (const listener of this.listeners.get('error') ?? []) listener({} as MessageEvent<string>);
  }
}

/** Every EventSource the client made, newest last. */
export function fakeSources() {
  const made: FakeEventSource[] = [];
  return {
    made,
    factory: (url: string, init: { withCredentials: boolean }) => {
      const source = new FakeEventSource(url, init.withCredentials);
      made.push(source);
      return source;
    },
    latest(): FakeEventSource {
      const source = made.at(-1);
      if (!source) throw new Error('no EventSource was made');
      return source;
    },
  };
}

/** A clock whose timers run only inside `advance`. */
export class FakeClock implements Clock {
  private nowMs = 1_000_000;
  private nextId = 1;
  private readonly timers = new Map<number, { atMs: number; fn: () => void }>();

  now(): number {
    return this.nowMs;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.timers.set(id, { atMs: this.nowMs + ms, fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  /** Moves time forward, running each timer due on the way, in order. */
  advance(ms: number): void {
    const endMs = this.nowMs + ms;
    for (;;) {
      let due: [number, { atMs: number; fn: () => void }] | undefined;
      for (const entry of this.timers) {
        if (entry[1].atMs <= endMs && (!due || entry[1].atMs < due[1].atMs)) due = entry;
      }
      if (!due) break;
      this.timers.delete(due[0]);
      this.nowMs = due[1].atMs;
      due[1].fn();
    }
    this.nowMs = endMs;
  }

  /** Timers still pending. */
  get pending(): number {
    return this.timers.size;
  }
}

/** Page signals the test flips. */
export class FakePage implements PageSignals {
  hidden = false;
  online = true;
  private onChange: (() => void) | null = null;

  isHidden(): boolean {
    return this.hidden;
  }

  isOnline(): boolean {
    return this.online;
  }

  listen(onChange: () => void): () => void {
    this.onChange = onChange;
    return () => {
      this.onChange = null;
    };
  }

  set(change: { hidden?: boolean; online?: boolean }): void {
    Object.assign(this, change);
    this.onChange?.();
  }
}

/** An enriched `spool_update` payload as the gateway sends it. */
export function update(id: string, eventType: string, tag: string, estado = 'ARM: En Progreso') {
  return {
    event_type: eventType,
    tag_spool: tag,
    worker_nombre: 'MR(93)',
    estado_detalle: estado,
    spoolcast: {
      id,
      received_at: '2026-11-27T17:30:05.123Z',
      timestamp: null,
      worker: { initials: 'MR', id: 93 },
      operation: estado.split(': ')[0] ?? null,
      state: estado.split(': ')[1] ?? null,
    },
  };
}

/** The `connected` payload. */
export function connected(over: Record<string, unknown> = {}) {
  return {
    server_time: '2026-11-27T17:30:05.123Z',
    last_event_id: null,
    bus: 'ok',
    resumed_from: null,
    heartbeat_ms: 1000,
    retry_ms: 2000,
    ...over,
  };
}

/** A HEAD probe the test answers: every call recorded, `answer` settable (null: no answer). */
export function fakeProbe(answer: { status: number; challenge?: string } | null = { status: 200 }) {
  const calls: { url: string; withCredentials: boolean }[] = [];
  const fake = {
    calls,
    answer,
    probe: async (url: string, withCredentials: boolean) => {
      calls.push({ url, withCredentials });
      return (
        fake.answer && { status: fake.answer.status, challenge: fake.answer.challenge ?? null }
      );
    },
  };
  return fake;
}

/** Lets pending promise callbacks (a token, a probe, a reauth hook) run. */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A SpoolStream on fakes (EventSources, clock, page, probe answering 200), statuses recorded. */
export function startStream(url: string, options: SpoolStreamOptions = {}) {
  const clock = new FakeClock();
  const sources = fakeSources();
  const page = new FakePage();
  const probe = fakeProbe();
  const statuses: StreamStatus[] = [];
  const stream = new SpoolStream(url, {
    clock,
    eventSource: sources.factory,
    page,
    random: () => 0,
    probe: probe.probe,
    onStatus: (status) => statuses.push(status),
    ...options,
  });
  return { stream, clock, sources, page, statuses, probe };
}
