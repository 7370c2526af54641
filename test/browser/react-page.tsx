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
}
const observed: Observed = { ids: [], connections: [], renders: 0, status: '' };
(window as unknown as { spoolcast: Observed }).spoolcast = observed;
const url = new URLSearchParams(location.search).get('stream');

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
  });
  observed.renders += 1;
  observed.status = view.status;
  return (
    <p id="view" data-status={view.status}>
      {messages} messages, {view.spools.size} spools, last {view.lastEvent?.tag_spool ?? '—'}
    </p>
  );
}

createRoot(document.getElementById('root') as HTMLElement).render(<App />);
