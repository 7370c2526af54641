/**
 * A fake `fetch` for the browser client's long-poll and history reads: every request waits
 * until the test answers it, and an abort rejects it as the browser's would.
 */
import type { HttpClient } from '../../src/client/browser-env.js';

/** One request the client made. */
export interface FakeRequest {
  url: string;
  method: 'GET' | 'HEAD';
  withCredentials: boolean;
  isAborted: boolean;
  isAnswered: boolean;
  answer(status: number, body?: unknown, headers?: Record<string, string>): void;
}

/** Every request, newest last; `client` is what the stream is given. */
export function fakeHttp() {
  const requests: FakeRequest[] = [];
  const client: HttpClient = (url, init) =>
    new Promise((resolve, reject) => {
      const request: FakeRequest = {
        url,
        method: init.method,
        withCredentials: init.withCredentials,
        isAborted: false,
        isAnswered: false,
        answer(status, body = '', headers = {}) {
          request.isAnswered = true;
          const text = typeof body === 'string' ? body : JSON.stringify(body);
          const lower = new Map(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
          resolve({
            status,
            header: (name) => lower.get(name.toLowerCase()) ?? null,
            text: async () => text,
          });
        },
      };
      init.signal.addEventListener('abort', () => {
        request.isAborted = true;
        reject(new Error('aborted'));
      });
      requests.push(request);
    });
  return {
    client,
    requests,
    /** The newest request still waiting for an answer. */
    pending(): FakeRequest {
      const request = requests.filter((r) => !r.isAnswered && !r.isAborted).at(-1);
      if (!request) throw new Error(`no pending request (made: ${requests.map((r) => r.url)})`);
      return request;
    },
  };
}
