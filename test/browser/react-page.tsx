/**
 * A React page using `useSpoolStream` the way the shop-floor app does: a new options object
 * (and new callbacks) on every render, and a re-render on every message.
 */
import { useState } from 'react';
import { createRoot } from 'react-dom/client';
import { useSpoolStream } from '../../src/client/react.js';

interface Observed {
  ids: string[];
  connections: boolean[];
  renders: number;
  status: string;
  reconnect: () => void;
}
const observed: Observed = {
  ids: [],
  connections: [],
  renders: 0,
  status: '',
  reconnect: () => undefined,
};
const page = window as unknown as { spoolcast: Observed; mintToken?: () => Promise<string> };
page.spoolcast = observed;
const params = new URLSearchParams(location.search);
const url = params.get('stream');
// `?token`: query-token mode, each token minted by the test process.
const getToken = params.has('token')
  ? () => (page.mintToken as () => Promise<string>)()
  : undefined;

function App() {
  const [messages, setMessages] = useState(0);
  const view = useSpoolStream(url, {
    onMessage: (event) => {
      observed.ids.push(event.spoolcast.id);
      setMessages((n) => n + 1);
    },
    onConnectionChange: (isConnected) => observed.connections.push(isConnected),
    onError: () => undefined,
    openWhenHidden: true,
    ...(getToken && { getToken }),
  });
  observed.renders += 1;
  observed.status = view.status;
  observed.reconnect = view.reconnect;
  return (
    <p id="view" data-status={view.status}>
      {messages} messages, {view.spools.size} spools, last {view.lastEvent?.tag_spool ?? '—'}
    </p>
  );
}

createRoot(document.getElementById('root') as HTMLElement).render(<App />);
