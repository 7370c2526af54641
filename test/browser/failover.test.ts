/**
 * The browser client against failures the browser cannot see on its own: a frozen gateway
 * (process stopped, sockets open: no error ever fires) and a cross-origin page. The page
 * (client-page.ts, bundled) lives on its own port, so every gateway is another origin.
 */
import type { Page } from 'playwright-core';
import { RedisEventService } from '../../src/index.js';
import { browserTest, servePage, waitInPage } from '../helpers/browser.js';
import { connectRedis, metricValue, redisEnv, startGateway } from '../helpers/gateway.js';
import { startServiceProcess } from '../helpers/gateway-process.js';
import { waitFor } from '../helpers/wait.js';

const test = browserTest(new URL('./client-page.ts', import.meta.url));
const FAST = { SSE_PING_INTERVAL_S: '1', SSE_RETRY_MS: '200', LOG_LEVEL: 'silent' };
const STREAM = '/api/sse/stream';

type Observed = {
  statuses: string[];
  ids: string[];
  errors: string[];
  status: string;
  url: string;
};
const observed = (page: Page) =>
  page.evaluate(() => (window as unknown as { spoolcast: Observed }).spoolcast);

function publisherFor(t: Parameters<typeof startGateway>[0], env: Record<string, string>) {
  const events = new RedisEventService(connectRedis(t, env.REDIS_URL as string), {
    keyPrefix: env.REDIS_KEY_PREFIX,
  });
  return async (tag: string) => {
    const result = await events.publishSpoolUpdate('TOMAR', tag, 'MR(93)', 'ARM: x', {});
    if (!result.ok) throw new Error(result.reason);
    return result.id;
  };
}

test.serial(
  'a frozen gateway: the client goes stale, then resumes on the next URL with nothing lost',
  async (t) => {
    const origin = await servePage(t, t.context.script);
    const env = { ...(await redisEnv()), ...FAST, CORS_ORIGINS: origin };
    const frozen = await startServiceProcess(t, env);
    const spare = await startGateway(t, env);
    const publish = publisherFor(t, env);
    const page = await t.context.browser.newPage();
    t.teardown(() => page.close());
    await page.goto(`${origin}/?stream=${frozen.url}${STREAM}&stream=${spare.url}${STREAM}`);
    await waitInPage(page, "window.spoolcast.status === 'live'", 'live on the first gateway');
    t.true((await observed(page)).url.startsWith(frozen.url));
    const ids = [await publish('F-0')];
    await waitInPage(page, 'window.spoolcast.ids.length === 1', 'the first event');

    // Stopped, not killed: its sockets stay open, so the browser sees no error at all.
    frozen.child.kill('SIGSTOP');
    t.teardown(() => frozen.child.kill('SIGCONT'));
    ids.push(await publish('F-1'));
    await waitInPage(page, "window.spoolcast.statuses.includes('stale')", 'the client to go stale');
    await waitInPage(
      page,
      `window.spoolcast.status === 'live' && window.spoolcast.url.startsWith(${JSON.stringify(spare.url)})`,
      'live again on the second gateway',
    );
    ids.push(await publish('F-2'));
    await waitInPage(page, `window.spoolcast.ids.length >= ${ids.length}`, 'every event');
    const seen = await observed(page);
    t.deepEqual(seen.ids, ids);
    t.true(seen.errors.includes('stream_silent'));
    t.regex(seen.url, new RegExp(`last_event_id=${ids[0]}`));
  },
);

test.serial(
  'a page on another origin connects with CORS_ORIGINS set, including the Last-Event-ID reconnect',
  async (t) => {
    const origin = await servePage(t, t.context.script);
    const env = { ...(await redisEnv()), ...FAST, CORS_ORIGINS: origin };
    const gateway = await startGateway(t, env);
    const publish = publisherFor(t, env);
    const page = await t.context.browser.newPage();
    t.teardown(() => page.close());
    await page.goto(`${origin}/?stream=${gateway.url}${STREAM}`);
    await waitInPage(page, "window.spoolcast.status === 'live'", 'live across origins');
    const ids = [await publish('C-0')];
    await waitInPage(page, 'window.spoolcast.ids.length === 1', 'the first event');
    // Cut the stream: the browser reconnects by itself with a Last-Event-ID header, which
    // needs a preflight cross-origin.
    for (const client of gateway.hub.openClients()) gateway.hub.cut(client, 'shutdown');
    await waitInPage(page, "window.spoolcast.statuses.includes('reconnecting')", 'the drop');
    await waitInPage(page, "window.spoolcast.status === 'live'", 'live after the reconnect');
    ids.push(await publish('C-1'));
    await waitInPage(page, 'window.spoolcast.ids.length === 2', 'the event after the reconnect');
    t.deepEqual((await observed(page)).ids, ids);
    t.is(await metricValue(gateway, 'spoolcast_stream_starts_total', { mode: 'cursor' }), 1);
  },
);

test.serial(
  'without CORS_ORIGINS the cross-origin page is refused and the refusal counted',
  async (t) => {
    const origin = await servePage(t, t.context.script);
    const gateway = await startGateway(t, { ...(await redisEnv()), ...FAST });
    const page = await t.context.browser.newPage();
    t.teardown(() => page.close());
    await page.goto(`${origin}/?stream=${gateway.url}${STREAM}`);
    await waitInPage(page, "window.spoolcast.errors.includes('stream_refused')", 'the refusal');
    await waitFor(
      async () =>
        (await metricValue(gateway, 'spoolcast_cors_refused_total', { route: 'stream' })) >= 1,
      { message: 'the refusal to be counted' },
    );
    const seen = await observed(page);
    t.false(seen.statuses.includes('live'));
    t.deepEqual(seen.ids, []);
  },
);
