/**
 * Long-poll over the streams API (docs/contract.md §3.3) for a screen whose SSE stream a
 * proxy holds back: each answer is complete, so it passes any buffering proxy. One
 * session: a snapshot (`GET /api/spools`) when there is no position yet or the position
 * is gone, else a first read from the owner's position, then
 * `GET /api/streams/spools?live=long-poll&offset=…` again and again from the gateway's
 * own `Stream-Next-Offset`. It reports in the SSE attempt's words (TransportHost) and ends
 * at the first failure: the owner (spool-stream.ts) decides the retry.
 */
import { type PageAnswer, type PageReadOptions, readPage } from './read-page.js';
import type { SpoolSnapshot } from './spool-store.js';
import { refusalOfAnswer } from './stream-access.js';
import { offsetAfter, positionOfOffset } from './stream-position.js';
import { type ReadUrls, readUrl, type SpoolFilter } from './stream-query.js';
import { eventOf } from './stream-state.js';
import type { TransportHost } from './transport-host.js';

/** What a session needs: what each read needs (`requestTimeoutMs` per answer), and where. */
export interface LongPollOptions extends PageReadOptions {
  urls: ReadUrls;
  filter?: SpoolFilter;
  /** Start from a snapshot when there is no position (else from the tail). */
  snapshot: boolean;
  /** The owner's position, read when the session starts. */
  position(): { lastEventId: string | null; epoch: string | null };
}

/** One long-poll session; `stop()` ends it at once, the request in flight included. */
export class LongPollReader {
  private isStopped = false;
  private abort: AbortController | null = null;
  private hasAnswered = false;
  /** The gateway's own next offset, once it gave one (used as given, never rebuilt). */
  private offset: string | null = null;
  /** Why the next read must be a snapshot (the position is gone), or null. */
  private resync: string | null = null;
  private isAfterSnapshot = false;
  private cursor: string | undefined;

  constructor(
    private readonly options: LongPollOptions,
    private readonly host: TransportHost,
  ) {}

  /** Runs the session until `stop()` or the first failure. */
  start(): void {
    void this.run();
  }

  stop(): void {
    this.isStopped = true;
    this.abort?.abort();
  }

  private async run(): Promise<void> {
    while (!this.isStopped && (await this.step())) {
      // the next read starts where this one ended
    }
  }

  /** One read; false once the session is over. */
  private async step(): Promise<boolean> {
    if (this.resync !== null) return this.readSnapshot();
    if (this.offset !== null) return this.poll(this.offset);
    const { lastEventId, epoch } = this.options.position();
    if (lastEventId === null) return this.options.snapshot ? this.readSnapshot() : this.poll('now');
    const known = epoch ?? (await this.tailEpoch());
    if (known === undefined) return false;
    const offset = offsetAfter(known, lastEventId);
    if (offset === null) this.resync = 'unknown_cursor';
    return offset === null ? true : this.poll(offset);
  }

  /** The current history's epoch from a HEAD (the tail's offset), for a cursor without one. */
  private async tailEpoch(): Promise<string | null | undefined> {
    const answer = await this.request(this.options.urls.streams, 'HEAD');
    if (answer === null) return undefined;
    if (answer.status !== 200) {
      this.refuse(answer);
      return undefined;
    }
    return positionOfOffset(answer.header('Stream-Next-Offset'))?.epoch ?? null;
  }

  private async readSnapshot(): Promise<boolean> {
    const answer = await this.request(readUrl(this.options.urls.spools, {}, this.options.filter));
    if (answer === null) return false;
    if (answer.status !== 200) return this.refuse(answer);
    const snapshot = parseJson(answer.body) as Partial<SpoolSnapshot & { offset: string }> | null;
    if (!Array.isArray(snapshot?.spools) || typeof snapshot?.as_of !== 'string') {
      this.host.failed('stream_refused', 'the snapshot could not be read; retrying', false);
      return false;
    }
    this.answered();
    if (this.resync !== null) this.host.resync(this.resync);
    this.resync = null;
    this.host.snapshot(snapshot as SpoolSnapshot);
    this.offset = snapshot.offset ?? answer.header('Stream-Next-Offset');
    this.isAfterSnapshot = true;
    return !this.isStopped;
  }

  private async poll(offset: string): Promise<boolean> {
    const params = { offset, live: 'long-poll', cursor: this.cursor };
    const answer = await this.request(
      readUrl(this.options.urls.streams, params, this.options.filter),
    );
    if (answer === null) return false;
    if (answer.status === 400 || answer.status === 410) {
      // Not of this history, or trimmed away: a snapshot replaces the rows (a resync). Right
      // after a snapshot that would loop, so it is a failure instead.
      if (this.isAfterSnapshot) return this.refuse(answer);
      this.resync = 'offset_gone';
      this.offset = null;
      return true;
    }
    if (answer.status !== 200 && answer.status !== 204) return this.refuse(answer);
    this.isAfterSnapshot = false;
    this.cursor = answer.header('Stream-Cursor') ?? this.cursor;
    this.answered();
    const items = answer.status === 200 ? parseJson(answer.body) : [];
    for (const item of Array.isArray(items) ? items : []) {
      const event = eventOf(item);
      if (event) this.host.event(event);
      if (this.isStopped) return false;
    }
    const next = answer.header('Stream-Next-Offset');
    this.host.position({ offset: next });
    this.offset = next ?? this.offset;
    return !this.isStopped;
  }

  private answered(): void {
    this.host.alive();
    if (this.hasAnswered) return;
    this.hasAnswered = true;
    // An answer says the gateway serves; long-poll carries no bus state, so `paused` is
    // SSE's alone.
    this.host.up({ bus: 'ok' });
  }

  /** A 401 mid-session is an expired token (reauth); 401/403 first, a refusal; else a retry. */
  private refuse(answer: PageAnswer): false {
    const refusal = refusalOfAnswer({
      status: answer.status,
      challenge: answer.header('WWW-Authenticate'),
    });
    if (refusal?.refusal === 'unauthorized' && this.hasAnswered) this.host.reauth();
    else if (refusal) this.host.refused(refusal);
    else this.host.failed('stream_refused', `a long-poll read answered ${answer.status}`, false);
    return false;
  }

  /** One request with a fresh token; null once a failure was reported (or the session stopped). */
  private async request(url: string, method: 'GET' | 'HEAD' = 'GET'): Promise<PageAnswer | null> {
    const abort = new AbortController();
    this.abort = abort;
    // Also a deadline for getToken, as the watchdog is for an SSE attempt.
    const read = await readPage(url, method, this.options, abort);
    if (this.isStopped) return null;
    if (read.ok) return read.answer;
    if (read.why === 'no_token')
      this.host.failed('token_unavailable', 'getToken gave no token; retrying with backoff', false);
    else if (read.why === 'late')
      this.host.failed(
        'stream_silent',
        `no answer within ${this.options.requestTimeoutMs} ms`,
        true,
      );
    else this.host.failed('stream_dropped', 'a long-poll read failed; retrying', false);
    return null;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
