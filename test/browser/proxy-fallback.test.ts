/**
 * The browser client through proxies that hold the stream back (issue 16), in real
 * Chromium against a real gateway and a real nginx: the dashboard shows a new event within
 * the product's 10 s and says it is on long-poll; through ingress-nginx's defaults it stays
 * on SSE; and across SSE → long-poll → SSE, with events published all along, each is
 * applied once, in order. test/proxy/buffering.test.ts is the control.
 */
import type { ExecutionContext } from 'ava';
import type { Page } from 'playwright-core';
import { type BrowserContext, browserTest, servePage, waitInPage } from '../helpers/browser.js';
import { startNginxAs } from '../helpers/buffering-nginx.js';
import { metricValue, postEvent, startGateway } from '../helpers/gateway.js';
import { startPacedPublisher } from '../helpers/paced-publisher.js';
import { INGRESS_NGINX_DEFAULTS, startNginx } from '../helpers/proxies.js';
import { waitFor } from '../helpers/wait.js';

type Context = BrowserContext;
const test = browserTest(new URL('./transport-page.ts', import.meta.url));
// Heartbeats at 2 s, as in dashboard.test.ts: a loaded CI core must not make a stream stale.
const FAST = { SSE_PING_INTERVAL_S: '2', SSE_RETRY_MS: '200' };
const hostPort = (url: string) => url.replace('http://', '');

async function openPage(t: ExecutionContext<Context>, url: string): Promise<Page> {
  const page = await t.context.browser.newPage();
  t.teardown(() => page.close());
  await page.goto(url);
  return page;
}

const longPolls = (gateway: Parameters<typeof metricValue>[0]) =>
  metricValue(gateway, 'spoolcast_streams_api_requests_total', { mode: 'long_poll' });

for (const behaviour of ['buffering', 'gzip'] as const) {
  test.serial(
    `through nginx ${behaviour === 'gzip' ? 'gzipping and buffering' : 'buffering'} the stream, the dashboard shows a new event within 10 s, on long-poll`,
    async (t) => {
      const gateway = await startGateway(t, FAST);
      const proxy = await startNginxAs(t, behaviour, hostPort(gateway.url));
      const page = await openPage(t, proxy.url);
      const id = await postEvent(gateway.url, { event_type: 'TOMAR', tag_spool: 'SPOOL-9' });
      // The product's promise, proxy or not: on the screen within 10 s.
      await page.waitForSelector(`.card[data-event-id="${id}"]`, { timeout: 10_000 });
      await page.waitForSelector(`#feed [data-event-id="${id}"]`);
      await waitInPage(page, "document.querySelector('#status').dataset.status === 'live'", 'live');
      t.is(await page.getAttribute('#status', 'data-transport'), 'long-poll');
      t.is(await page.textContent('#status-text'), 'En vivo (long-poll)');
      t.true((await longPolls(gateway)) >= 1);
    },
  );
}

test.serial(
  'through nginx as ingress-nginx configures it, the dashboard stays on SSE',
  async (t) => {
    const gateway = await startGateway(t, FAST);
    const location = { ...INGRESS_NGINX_DEFAULTS, proxyReadTimeoutS: 3600 };
    const proxy = await startNginx(t, [hostPort(gateway.url)], location);
    const page = await openPage(t, proxy);
    await waitInPage(page, "document.querySelector('#status').dataset.status === 'live'", 'live');
    const id = await postEvent(gateway.url, { event_type: 'TOMAR', tag_spool: 'SPOOL-8' });
    await page.waitForSelector(`#feed [data-event-id="${id}"]`);
    t.is(await page.getAttribute('#status', 'data-transport'), 'sse');
    t.is(await page.textContent('#status-text'), 'En vivo');
    t.is(await longPolls(gateway), 0);
  },
);

/** Waits (60 s) until the transport page is live on `transport`; on failure, logs what it saw. */
async function waitUntilOn(t: ExecutionContext<Context>, page: Page, transport: string) {
  const predicate = `window.spoolcast.transport === '${transport}' && window.spoolcast.status === 'live'`;
  await waitInPage(page, predicate, `live on ${transport}`, 60_000).catch(async (error) => {
    t.log(await page.evaluate('window.spoolcast.log'));
    throw error;
  });
}

test.serial(
  'SSE, long-poll while the proxy buffers, SSE again once it streams: every event applied once, in order',
  async (t) => {
    const origin = await servePage(t, t.context.script);
    const gateway = await startGateway(t, { ...FAST, CORS_ORIGINS: origin });
    const upstream = hostPort(gateway.url);
    let proxy = await startNginxAs(t, 'streaming', upstream);
    const page = await openPage(t, `${origin}/?stream=${proxy.url}/api/sse/stream&sseRetry=1000`);
    await waitInPage(page, 'window.spoolcast.position', 'SSE, from a snapshot');
    const publisher = startPacedPublisher(t, gateway.url);
    // Another proxy on the same address: as when a network's proxy starts or stops buffering.
    const replace = async (behaviour: 'buffering' | 'streaming') => {
      await proxy.stop();
      proxy = await startNginxAs(t, behaviour, upstream, proxy.port);
    };
    await replace('buffering');
    await waitUntilOn(t, page, 'long-poll');
    await replace('streaming');
    await waitUntilOn(t, page, 'sse');
    const switchedAt = publisher.ids.length;
    await waitFor(() => publisher.ids.length >= switchedAt + 3, { message: 'events after' });
    const published = await publisher.stop();
    await waitInPage(
      page,
      `window.spoolcast.ids.includes('${published.at(-1)}')`,
      'the last event',
    );
    const seen = (await page.evaluate('window.spoolcast')) as {
      ids: string[];
      transports: string[];
    };
    t.deepEqual(seen.ids, published);
    t.deepEqual(seen.transports, ['sse', 'long-poll', 'sse']);
  },
);
