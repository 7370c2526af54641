/**
 * The control for the client's fallback (issue 16): through nginx that buffers the stream
 * (X-Accel-Buffering ignored), or also gzips it, an SSE reader gets nothing — not even the
 * response headers — of an event a direct reader already has, while a complete answer
 * through the same proxy already holds it. test/browser/proxy-fallback.test.ts shows the
 * browser client getting through anyway.
 */
import http from 'node:http';
import test, { type ExecutionContext } from 'ava';
import { checkedFetch } from '../helpers/api-contract.js';
import { type ProxyBehaviour, startNginxAs } from '../helpers/buffering-nginx.js';
import { postEvent, startGateway } from '../helpers/gateway.js';
import { openTestSse } from '../helpers/sse-client.js';
import { waitFor } from '../helpers/wait.js';

/** A GET that records whether its response started and every body byte, as they come. */
function rawGet(t: ExecutionContext, url: string, headers: Record<string, string>) {
  const seen = { hasResponse: false, bytes: 0 };
  const req = http.get(url, { agent: false, headers }, (res) => {
    seen.hasResponse = true;
    res.on('data', (chunk: Buffer) => {
      seen.bytes += chunk.length;
    });
  });
  req.on('error', () => undefined);
  t.teardown(() => req.destroy());
  return seen;
}

for (const behaviour of ['buffering', 'gzip'] satisfies ProxyBehaviour[]) {
  test(`through nginx ${behaviour === 'gzip' ? 'gzipping and buffering' : 'buffering'} the stream, an event a direct reader has gets nowhere`, async (t) => {
    const gateway = await startGateway(t, { SSE_PING_INTERVAL_S: '1' });
    const proxy = await startNginxAs(t, behaviour, gateway.url.replace('http://', ''));
    const direct = await openTestSse(t, `${gateway.url}/api/sse/stream`);
    await direct.next((f) => f.event === 'connected');
    const proxied = rawGet(t, `${proxy.url}/api/sse/stream`, {
      accept: 'text/event-stream',
      'accept-encoding': 'gzip',
    });
    await waitFor(() => gateway.hub.size === 2, { message: 'both streams open at the gateway' });
    const id = await postEvent(gateway.url, { event_type: 'TOMAR', tag_spool: 'SPOOL-P' });
    await direct.next((f) => f.event === 'spool_update' && f.id === id);
    // Heartbeats every second and an event have been written to both streams by now.
    await direct.next((f) => f.event === 'heartbeat');
    t.false(proxied.hasResponse, 'nginx holds even the headers');
    t.is(proxied.bytes, 0);
    const complete = await checkedFetch(`${proxy.url}/api/spools`);
    t.is(((await complete.json()) as { as_of: string }).as_of, id, 'complete answers pass');
  });
}
