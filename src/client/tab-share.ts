/**
 * One stream for every tab of a browser: the tab holding a Web Lock is the leader and runs
 * the only SpoolStream; it relays each state over a BroadcastChannel to the other tabs.
 * When the leader closes, the lock passes to a waiting tab, which opens its own stream from
 * the last id and rows it was relayed, so nothing is lost in the hand-over. Only the leader
 * calls `getToken` and `onReauth`; another tab's `reconnect()` is relayed to it, so a
 * follower never needs the token, and sees `unauthorized` or `forbidden` like the leader.
 * Specs: https://w3c.github.io/web-locks/ and
 * https://html.spec.whatwg.org/multipage/web-messaging.html#broadcasting-to-other-browsing-contexts
 */
import type { EnrichedSpoolEvent } from './spool-store.js';
import { SpoolStream } from './spool-stream.js';
import { StateStore } from './state-store.js';
import { SpoolStreamError, type SpoolStreamErrorCode } from './stream-error.js';
import { reportStatusChange, type SpoolStreamOptions } from './stream-options.js';
import { initialStreamState, type SpoolStreamState } from './stream-state.js';

/** What a screen holds: the state, change notifications, and close. */
export interface SpoolStreamHandle {
  getState(): SpoolStreamState;
  subscribe(listener: () => void): () => void;
  close(): void;
  /** Opens a new stream now (after `unauthorized`/`forbidden`, once there is a new token). */
  reconnect(): void;
  /** True while this tab runs the shared stream (always true when not shared). */
  readonly isLeader: boolean;
}

type Relay =
  | { type: 'hello' }
  | { type: 'reconnect' }
  | {
      type: 'state';
      state: Omit<SpoolStreamState, 'error'>;
      error: { code: SpoolStreamErrorCode; message: string } | null;
      event: EnrichedSpoolEvent | null;
      isNewError: boolean;
    };

/** Whether this browser has what sharing needs. */
export function canShareTabs(): boolean {
  return (
    typeof navigator !== 'undefined' &&
    typeof navigator.locks?.request === 'function' &&
    typeof BroadcastChannel === 'function'
  );
}

/** A stream shared by every tab that uses the same `name` (one connection in all). */
export class SharedSpoolStream implements SpoolStreamHandle {
  private readonly store: StateStore<SpoolStreamState>;
  private leaderStream: SpoolStream | null = null;
  private readonly channel: BroadcastChannel;
  private releaseLock: (() => void) | null = null;
  private isClosed = false;

  constructor(
    private readonly url: string,
    private readonly options: SpoolStreamOptions,
    name: string,
  ) {
    this.store = new StateStore(
      initialStreamState(url, 'connecting', options.lastEventId, undefined),
    );
    this.channel = new BroadcastChannel(`spoolcast:${name}`);
    this.channel.onmessage = (message: MessageEvent<Relay>) => this.onRelay(message.data);
    this.channel.postMessage({ type: 'hello' } satisfies Relay);
    void navigator.locks.request(`spoolcast:${name}`, () => this.lead());
  }

  get isLeader(): boolean {
    return this.leaderStream !== null;
  }

  getState(): SpoolStreamState {
    return this.store.get();
  }

  subscribe(listener: () => void): () => void {
    return this.store.subscribe(listener);
  }

  reconnect(): void {
    if (this.isClosed) return;
    if (this.leaderStream) this.leaderStream.reconnect();
    else this.channel.postMessage({ type: 'reconnect' } satisfies Relay);
  }

  close(): void {
    this.isClosed = true;
    this.leaderStream?.close();
    this.leaderStream = null;
    this.channel.close();
    this.releaseLock?.();
    this.store.clear();
  }

  /** Runs while this tab holds the lock; the returned promise holds it until close. */
  private lead(): Promise<void> {
    if (this.isClosed) return Promise.resolve();
    const held = new Promise<void>((resolve) => {
      this.releaseLock = resolve;
    });
    // Start where the last leader's relays left off: its rows, its cursor and its history,
    // on its transport (a leader behind a buffering proxy was on long-poll).
    const { onMessage, onStatus, onConnectionChange, onError, ...rest } = this.options;
    const handedOver = this.store.get();
    const stream = new SpoolStream(this.url, {
      ...rest,
      // The leader serves every tab: its own tab being hidden must not starve visible ones.
      closeWhenHidden: false,
      lastEventId: handedOver.lastEventId,
      initialSpools: handedOver.spools,
      epoch: handedOver.epoch,
      startTransport: handedOver.transport,
    });
    this.leaderStream = stream;
    stream.subscribe(() => {
      const previous = this.store.get();
      const next = stream.getState();
      const event = next.lastEvent !== previous.lastEvent ? next.lastEvent : null;
      const isNewError = next.error !== previous.error && next.error !== null;
      const { error, ...plain } = next;
      this.channel.postMessage({
        type: 'state',
        state: plain,
        error: error && { code: error.code, message: error.message },
        event,
        isNewError,
      } satisfies Relay);
      this.apply(next, event, isNewError);
    });
    this.apply(stream.getState(), null, false);
    return held;
  }

  private onRelay(relay: Relay): void {
    if (this.isClosed) return;
    if (relay.type === 'reconnect') {
      // The leader holds the connection and the token; a follower only asks.
      this.leaderStream?.reconnect();
      return;
    }
    if (relay.type === 'hello') {
      // A new tab: tell it everything at once.
      if (this.leaderStream) {
        const { error, ...plain } = this.store.get();
        this.channel.postMessage({
          type: 'state',
          state: plain,
          error: error && { code: error.code, message: error.message },
          event: null,
          isNewError: false,
        } satisfies Relay);
      }
      return;
    }
    if (this.leaderStream) return; // a stale relay from a leader that just handed over
    const error = relay.error && new SpoolStreamError(relay.error.code, relay.error.message);
    this.apply({ ...relay.state, error }, relay.event, relay.isNewError);
  }

  /** Takes a new state and calls the page's callbacks for what changed. */
  private apply(next: SpoolStreamState, event: EnrichedSpoolEvent | null, isNewError: boolean) {
    const previous = this.store.get();
    this.store.replace(next);
    const { onMessage, onError } = this.options;
    if (next.status !== previous.status)
      reportStatusChange(this.options, next.status, previous.status);
    if (event) onMessage?.(event);
    if (isNewError && next.error) onError?.(next.error);
    this.store.notify();
  }
}
