/**
 * A test page around the browser client: stream URLs from `?stream=` (several = replicas
 * to rotate to), and everything it observes recorded on `window.spoolcast` for the test.
 */
import { connectSpoolStream } from '../../src/client/index.js';

interface Observed {
  statuses: string[];
  ids: string[];
  errors: string[];
  status: string;
  url: string;
  spools: number;
}

const params = new URLSearchParams(location.search);
const urls = params.getAll('stream');
const observed: Observed = { statuses: [], ids: [], errors: [], status: '', url: '', spools: 0 };
(window as unknown as { spoolcast: Observed }).spoolcast = observed;
const stream = connectSpoolStream(urls[0] as string, {
  alternates: urls.slice(1),
  shareTabs: params.has('share'),
  onStatus: (status) => observed.statuses.push(status),
  onMessage: (event) => observed.ids.push(event.spoolcast.id),
  onError: (error) => observed.errors.push(error.code),
});
const copy = () => {
  const state = stream.getState();
  observed.status = state.status;
  observed.url = state.url;
  observed.spools = state.spools.size;
};
stream.subscribe(copy);
copy();
