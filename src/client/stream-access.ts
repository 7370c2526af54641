/**
 * How a stream gets in (docs/contract.md §3.1): the URL to open — with a fresh token from
 * the page's `getToken` in query-token mode — and, for a stream that never opened, why it
 * was refused, from a HEAD of the same URL. The only place a query token lives: it goes
 * into the URL handed to EventSource and the probe, and nowhere else.
 */
import { fetchHttp, type HttpClient, type ProbeAnswer, type StatusProbe } from './browser-env.js';
import type { Refusal } from './status.js';
import { withAccessToken } from './stream-query.js';

/** What access needs from the stream's options. */
export interface StreamAccessOptions {
  getToken?: () => Promise<string> | string;
  withCredentials?: boolean;
  /** Requests of the read routes and the HEAD (default: `fetch`). */
  http?: HttpClient;
  /** Asks for a HEAD's answer instead of `http` (tests). */
  probe?: StatusProbe;
}

/** A 401 or 403 learnt from the probe, with the gateway's `WWW-Authenticate` challenge. */
export interface RefusalAnswer {
  refusal: Refusal;
  status: number;
  challenge: string | null;
}

/** 401 is `unauthorized`, 403 `forbidden`; any other answer is not a refusal. */
export function refusalOfStatus(status: number | undefined): Refusal | null {
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  return null;
}

/** Tokens and the probe for one stream. */
export class StreamAccess {
  constructor(private readonly options: StreamAccessOptions) {}

  /** Whether the stream sends cookies across origins (EventSource and probe alike). */
  get withCredentials(): boolean {
    return this.options.withCredentials ?? false;
  }

  /**
   * Calls `onTarget` with the URL to open for `url`: itself, or with a fresh token from
   * `getToken` (asked on every call); `onFailure` when getToken throws, rejects or gives no
   * token. Synchronous unless getToken returns a promise.
   */
  resolve(url: string, onTarget: (target: string) => void, onFailure: () => void): void {
    const { getToken } = this.options;
    if (!getToken) {
      onTarget(url);
      return;
    }
    const onToken = (token: unknown) => {
      if (typeof token === 'string' && token !== '') onTarget(withAccessToken(url, token));
      else onFailure();
    };
    let token: Promise<string> | string;
    try {
      token = getToken();
    } catch {
      onFailure();
      return;
    }
    if (typeof token === 'string') onToken(token);
    else Promise.resolve(token).then(onToken, onFailure);
  }

  /**
   * Why `target` (the refused stream's own URL: same token, same cookies) was refused: a
   * HEAD goes through the same auth as the stream. Null for any other answer or none.
   */
  async refusal(target: string): Promise<RefusalAnswer | null> {
    return refusalOfAnswer(await this.head(target));
  }

  /** What a HEAD of `target` answers (null: no answer), with the stream's credentials. */
  async head(target: string): Promise<ProbeAnswer | null> {
    const { probe, http = fetchHttp } = this.options;
    if (probe) return probe(target, this.withCredentials).catch(() => null);
    try {
      const answer = await http(target, {
        method: 'HEAD',
        withCredentials: this.withCredentials,
        signal: new AbortController().signal,
      });
      return { status: answer.status, challenge: answer.header('WWW-Authenticate') };
    } catch {
      return null;
    }
  }

  /** `resolve` as a promise: the URL to request, or null when getToken gave no token. */
  target(url: string): Promise<string | null> {
    return new Promise((done) => this.resolve(url, done, () => done(null)));
  }
}

/** The refusal a 401 or 403 answer is, with its challenge; null for any other answer. */
export function refusalOfAnswer(answer: ProbeAnswer | null): RefusalAnswer | null {
  const refusal = refusalOfStatus(answer?.status);
  return answer && refusal && { refusal, status: answer.status, challenge: answer.challenge };
}
