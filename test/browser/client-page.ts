/**
 * A test page around the browser client: stream URLs from `?stream=` (several = replicas
 * to rotate to), and everything it observes recorded on `window.spoolcast` for the test.
 * `?share` shares tabs, `?credentials` sends cookies across origins, `?token` asks the test
 * process for every token (`window.mintToken`, exposed by playwright), `?backoff=<ms>`
 * shortens the client's own retries, and filter names (`?operation=ARM`) are the filter.
 */
import { connectSpoolStream, filterFromQuery } from '../../src/client/index.js';

interface Observed {
  statuses: string[];
  ids: string[];
  errors: string[];
  reauths: number;
  status: string;
  url: string;
  spools: number;
  reconnect: () => void;
}

const params = new URLSearchParams(location.search);
const urls = params.getAll('stream');
const page = window as unknown as { spoolcast: Observed; mintToken?: () => Promise<string> };
const observed: Observed = {
  statuses: [],
  ids: [],
  errors: [],
  reauths: 0,
  status: '',
  url: '',
  spools: 0,
  reconnect: () => stream.reconnect(),
};
const backoffMs = Number(params.get('backoff') ?? 0);
const stream = connectSpoolStream(urls[0] as string, {
  alternates: urls.slice(1),
  shareTabs: params.has('share'),
  withCredentials: params.has('credentials'),
  filter: filterFromQuery(location.search),
  ...(backoffMs > 0 && { backoff: { baseMs: backoffMs, maxMs: 4 * backoffMs } }),
  ...(params.has('token') && { getToken: () => (page.mintToken as () => Promise<string>)() }),
  onReauth: () => {
    observed.reauths += 1;
  },
  onStatus: (status) => observed.statuses.push(status),
  onMessage: (event) => observed.ids.push(event.spoolcast.id),
  onError: (error) => observed.errors.push(error.code),
});
page.spoolcast = observed;
const copy = () => {
  const state = stream.getState();
  observed.status = state.status;
  observed.url = state.url;
  observed.spools = state.spools.size;
};
stream.subscribe(copy);
copy();
