/**
 * One SSE attempt: a native EventSource (with the browser's own reconnects) and the
 * buffering rules of transport-policy.ts applied to it — a first frame that is overdue,
 * frames held back behind each other, and the proof a trial stream must give. Frames go
 * to the owner (TransportHost) as they come; only what the rules need is read here.
 */
import type { StreamFrameData } from '../contract/frames.js';
import {
  type Clock,
  EVENT_SOURCE_CLOSED,
  type EventSourceFactory,
  type EventSourceLike,
} from './browser-env.js';
import type { SpoolSnapshot } from './spool-store.js';
import { refusalOfAnswer, type StreamAccess } from './stream-access.js';
import { eventOf } from './stream-state.js';
import type { TransportHost } from './transport-host.js';
import {
  type FrameTiming,
  isHeldBack,
  isProven,
  observeFrame,
  overdueVerdict,
  type TransportSettings,
} from './transport-policy.js';

const FRAME_TYPES = [
  'connected',
  'heartbeat',
  'snapshot',
  'spool_update',
  'resync',
  'reauth',
] as const;
type FrameType = (typeof FRAME_TYPES)[number];

/** What an attempt needs. */
export interface SseAttemptOptions {
  /** The URL to open, with its token in query-token mode (kept here, never in the state). */
  target: string;
  makeSource: EventSourceFactory;
  access: StreamAccess;
  clock: Clock;
  settings: TransportSettings;
  /** The heartbeat period until `connected` names it, in ms. */
  heartbeatMs: number;
  /** Apply the buffering rules (false when the stream is SSE only). */
  isWatched: boolean;
}

/** One EventSource and what its frames say about the path they came along. */
export class SseAttempt {
  private readonly source: EventSourceLike;
  private isClosed = false;
  private hasEverConnected = false;
  /** `connected` arrived on the current response. */
  private hasConnected = false;
  /** The current response started (EventSource `open`). */
  private hasResponse = false;
  private timing: FrameTiming | null = null;
  private heartbeats = 0;
  private firstFrameTimer: unknown = null;
  private heartbeatMs: number;

  constructor(
    private readonly options: SseAttemptOptions,
    private readonly host: TransportHost,
  ) {
    this.heartbeatMs = options.heartbeatMs;
    const source = options.makeSource(options.target, {
      withCredentials: options.access.withCredentials,
    });
    this.source = source;
    source.addEventListener('open', () => {
      if (!this.isClosed) this.onOpen();
    });
    for (const type of FRAME_TYPES) {
      source.addEventListener(type, (event) => {
        if (!this.isClosed) this.onFrame(type, event);
      });
    }
    source.addEventListener('error', () => {
      if (!this.isClosed) this.onError();
    });
    this.armFirstFrame();
  }

  /** `connected` came on the current response, and not one heartbeat after it. */
  get isSilentSinceConnected(): boolean {
    return this.hasConnected && this.heartbeats === 0;
  }

  /** Closes the EventSource; nothing it does later reaches the owner. */
  close(): void {
    this.isClosed = true;
    this.source.close();
    this.options.clock.clearTimeout(this.firstFrameTimer);
  }

  private onOpen(): void {
    // A response started (the first, or the browser's own reconnect): timed afresh, and its
    // first frame is due now, since the gateway sends `connected` with the headers.
    this.hasResponse = true;
    this.timing = null;
    if (!this.hasConnected) this.armFirstFrame();
  }

  private onFrame(type: FrameType, event: MessageEvent<string>): void {
    if (type === 'heartbeat') {
      const info = parse<StreamFrameData['heartbeat']>(event.data);
      this.heartbeats += 1;
      this.host.alive(info.bus);
      this.host.position({ lastEventId: info.last_event_id });
      this.time(info.server_time);
      return;
    }
    this.host.alive();
    if (type === 'connected') {
      const info = parse<StreamFrameData['connected']>(event.data);
      this.hasConnected = true;
      this.hasEverConnected = true;
      this.heartbeats = 0;
      this.options.clock.clearTimeout(this.firstFrameTimer);
      const period = info.heartbeat_ms;
      const heartbeatMs = typeof period === 'number' && period > 0 ? period : undefined;
      this.heartbeatMs = heartbeatMs ?? this.heartbeatMs;
      this.host.up({
        bus: info.bus,
        ...(heartbeatMs !== undefined && { heartbeatMs }),
        ...(typeof info.retry_ms === 'number' && { retryMs: info.retry_ms }),
      });
      this.time(info.server_time);
    } else if (type === 'snapshot') {
      const snapshot = parse<StreamFrameData['snapshot']>(event.data);
      if (!Array.isArray(snapshot.spools)) return;
      const asOf = event.lastEventId || snapshot.as_of;
      this.host.snapshot({ ...(snapshot as SpoolSnapshot), ...(asOf && { as_of: asOf }) });
    } else if (type === 'spool_update') {
      const update = eventOf(parse<object>(event.data));
      if (update) this.host.event(update);
    } else if (type === 'resync') {
      const info = parse<StreamFrameData['resync']>(event.data);
      this.host.resync(info.reason ?? 'resync');
    } else {
      this.host.reauth();
    }
  }

  /** Times a `connected` or heartbeat frame; a held-back stream is reported, a trial's proof too. */
  private time(serverTime: unknown): void {
    if (!this.options.isWatched) return;
    const { clock, settings } = this.options;
    this.timing = observeFrame(this.timing, clock.now(), serverTime);
    if (isHeldBack(this.timing, settings, this.heartbeatMs)) {
      const spreadMs = (this.timing?.maxSkewMs ?? 0) - (this.timing?.minSkewMs ?? 0);
      this.host.heldBack(`frames of one stream arrived ${spreadMs} ms apart from their pace`);
    } else if (isProven(this.timing, settings, this.heartbeatMs)) {
      this.host.proven?.();
    }
  }

  private onError(): void {
    // CONNECTING: the browser retries by itself (honouring `retry:`), with Last-Event-ID.
    // CLOSED: it gave up (non-200, wrong content type, CORS) and never says which.
    const isGivenUp = this.source.readyState === EVENT_SOURCE_CLOSED;
    this.options.clock.clearTimeout(this.firstFrameTimer);
    this.hasConnected = false;
    this.hasResponse = false;
    this.timing = null;
    this.host.dropped(isGivenUp);
    if (isGivenUp && !this.isClosed) this.host.givenUp(this.hasEverConnected, this.options.target);
  }

  private armFirstFrame(): void {
    if (!this.options.isWatched) return;
    const { clock, settings } = this.options;
    clock.clearTimeout(this.firstFrameTimer);
    this.firstFrameTimer = clock.setTimeout(
      () => void this.onFirstFrameOverdue(),
      settings.firstFrameTimeoutMs,
    );
  }

  private async onFirstFrameOverdue(): Promise<void> {
    this.firstFrameTimer = null;
    // No response at all: a proxy holding the headers with the body, or a gateway that
    // cannot be reached. A HEAD answers at once through such a proxy (it has no body).
    const head = this.hasResponse ? null : await this.options.access.head(this.options.target);
    if (this.isClosed || this.hasConnected) return;
    const verdict = overdueVerdict(this.hasResponse, head?.status ?? null);
    if (verdict === 'held_back') {
      this.host.heldBack(`no first frame within ${this.options.settings.firstFrameTimeoutMs} ms`);
    } else if (verdict === 'refused') {
      this.host.refused(refusalOfAnswer(head));
    }
  }
}

function parse<T>(data: string): Partial<T> {
  try {
    const value: unknown = JSON.parse(data);
    return value !== null && typeof value === 'object' ? (value as Partial<T>) : {};
  } catch {
    return {};
  }
}
