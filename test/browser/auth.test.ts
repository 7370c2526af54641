/**
 * The browser client against a gateway with auth on (docs/contract.md §3.1), in real
 * Chromium: a cookie sent across origins, a rotating query token across `reauth`, and 401 /
 * 403 turned into statuses that wait instead of looping. The page (client-page.ts) lives on
 * its own port, so the gateway is another origin.
 */
import type { ExecutionContext } from 'ava';
import type { Page } from 'playwright-core';
import { RedisEventService } from '../../src/index.js';
import type { Service } from '../../src/service.js';
import { type BrowserContext, browserTest, servePage, waitInPage } from '../helpers/browser.js';
import { connectRedis, metricValue, redisEnv, startGateway } from '../helpers/gateway.js';
import { openTestSse } from '../helpers/sse-client.js';
import { hsToken, TEST_SECRET, type TokenClaims } from '../helpers/tokens.js';

type Context = BrowserContext;
const test = browserTest(new URL('./client-page.ts', import.meta.url));
const STREAM = '/api/sse/stream';

type Observed = { statuses: string[]; ids: string[]; errors: string[]; reauths: number };
const observed = (page: Page) =>
  page.evaluate(() => (window as unknown as { spoolcast: Observed }).spoolcast);
const waitStatus = (page: Page, status: string) =>
  waitInPage(page, `window.spoolcast.status === '${status}'`, `the page to say ${status}`);
const reconnect = (page: Page) =>
  page.evaluate(() =>
    (window as unknown as { spoolcast: { reconnect(): void } }).spoolcast.reconnect(),
  );

/** A gateway with auth on that lets the page's origin in with cookies; a page; a publisher. */
async function setUp(t: ExecutionContext<Context>, env: Record<string, string> = {}) {
  const origin = await servePage(t, t.context.script);
  const redis = await redisEnv();
  const gateway = await startGateway(t, {
    ...redis,
    SSE_PING_INTERVAL_S: '1',
    SSE_RETRY_MS: '200',
    AUTH_JWT_SECRET: TEST_SECRET,
    CORS_ORIGINS: origin,
    CORS_ALLOW_CREDENTIALS: 'true',
    ...env,
  });
  const events = new RedisEventService(connectRedis(t, redis.REDIS_URL), {
    keyPrefix: redis.REDIS_KEY_PREFIX,
  });
  const publish = async (tag: string) => {
    const result = await events.publishSpoolUpdate('TOMAR', tag, 'MR(93)', 'ARM: x', {});
    if (!result.ok) throw new Error(result.reason);
    return result.id;
  };
  const context = await t.context.browser.newContext();
  t.teardown(() => context.close());
  const page = await context.newPage();
  const open = (query: string) => page.goto(`${origin}/?stream=${gateway.url}${STREAM}&${query}`);
  return { gateway, publish, context, page, open };
}

/** The page's `getToken` (`?token`): a token minted here with `claims()` on every call. */
async function mintTokens(page: Page, claims: () => TokenClaims) {
  const minted = { count: 0 };
  await page.exposeFunction('mintToken', () => {
    minted.count += 1;
    return hsToken(claims());
  });
  return minted;
}

/** Stream requests the gateway refused for `reason` (the EventSource's and the probe's). */
const refused = (gateway: Service, reason: string) =>
  metricValue(gateway, 'spoolcast_auth_refused_total', { route: 'stream', reason });

/** A later signal, without a sleep: two heartbeats on another, authorised stream. */
async function twoHeartbeatsLater(t: ExecutionContext<Context>, gateway: Service) {
  const other = await openTestSse(t, `${gateway.url}${STREAM}`, {
    headers: { authorization: `Bearer ${await hsToken()}` },
  });
  await other.waitForFrames(2, (frame) => frame.event === 'heartbeat');
}

test.serial(
  'a cookie across origins with withCredentials: live, and every event arrives',
  async (t) => {
    const { gateway, publish, context, page, open } = await setUp(t);
    await context.addCookies([
      { name: 'spoolcast_token', value: await hsToken(), url: gateway.url },
    ]);
    await open('credentials');
    await waitStatus(page, 'live');
    const ids = [await publish('K-0'), await publish('K-1')];
    await waitInPage(page, `window.spoolcast.ids.includes('${ids[1]}')`, 'the second event');
    t.deepEqual((await observed(page)).ids, ids);
    t.is(await refused(gateway, 'missing'), 0);
  },
);

test.serial(
  'the same page without withCredentials sends no cookie: unauthorized after one probe, no loop',
  async (t) => {
    const { gateway, context, page, open } = await setUp(t);
    await context.addCookies([
      { name: 'spoolcast_token', value: await hsToken(), url: gateway.url },
    ]);
    await open('backoff=50');
    await waitStatus(page, 'unauthorized');
    t.is(await refused(gateway, 'missing'), 2, 'the stream and its one HEAD');
    await twoHeartbeatsLater(t, gateway);
    t.is(await refused(gateway, 'missing'), 2);
    t.like(await observed(page), { statuses: ['unauthorized'], errors: ['stream_unauthorized'] });
  },
);

test.serial(
  'a rotating query token: across reauths every event arrives once, in order',
  async (t) => {
    const { publish, page, open } = await setUp(t, {
      AUTH_QUERY_TOKEN: 'true',
      AUTH_CLOCK_SKEW_S: '0',
      SSE_SEND_TIMEOUT_S: '0.4',
    });
    const minted = await mintTokens(page, () => ({ expiresInS: 2 }));
    await open('token');
    await waitStatus(page, 'live');
    const ids: string[] = [];
    // One at a time while live; back to back while a reauth has the stream down.
    while ((await observed(page)).reauths < 2) {
      ids.push(await publish(`Q-${ids.length}`));
      const isDone = `window.spoolcast.ids.length >= ${ids.length}`;
      await waitInPage(page, `${isDone} || window.spoolcast.status !== 'live'`, 'the event');
    }
    ids.push(await publish('Q-last'));
    await waitInPage(page, `window.spoolcast.ids.includes('${ids.at(-1)}')`, 'the last event');
    const seen = await observed(page);
    t.deepEqual(seen.ids, ids);
    t.true(minted.count >= 3);
    t.false(seen.statuses.includes('unauthorized'));
  },
);

test.serial(
  'an expired query token: unauthorized, no loop, getToken asked again only by reconnect()',
  async (t) => {
    const { gateway, page, open } = await setUp(t, { AUTH_QUERY_TOKEN: 'true' });
    let expiresInS = -60;
    const minted = await mintTokens(page, () => ({ expiresInS }));
    await open('token&backoff=50');
    await waitStatus(page, 'unauthorized');
    t.is(await refused(gateway, 'expired'), 2, 'the stream and its one HEAD');
    await twoHeartbeatsLater(t, gateway);
    t.is(await refused(gateway, 'expired'), 2);
    t.is(minted.count, 1);
    expiresInS = 3600;
    await reconnect(page);
    await waitStatus(page, 'live');
    t.is(minted.count, 2);
  },
);

test.serial('a token without spools:read: forbidden, no loop', async (t) => {
  const { gateway, page, open } = await setUp(t, { AUTH_QUERY_TOKEN: 'true' });
  await mintTokens(page, () => ({ scope: 'spools:publish' }));
  await open('token&backoff=50');
  await waitStatus(page, 'forbidden');
  t.is(await refused(gateway, 'insufficient_scope'), 2, 'the stream and its one HEAD');
  await twoHeartbeatsLater(t, gateway);
  t.is(await refused(gateway, 'insufficient_scope'), 2);
  t.like(await observed(page), { statuses: ['forbidden'], errors: ['stream_forbidden'] });
});

test.serial(
  "shared tabs: a follower shows unauthorized and its reconnect() runs on the leader, with the leader's token",
  async (t) => {
    const { gateway, context, page: leader, open } = await setUp(t, { AUTH_QUERY_TOKEN: 'true' });
    let expiresInS = -60;
    const minted = await mintTokens(leader, () => ({ expiresInS }));
    await open('token&share');
    await waitStatus(leader, 'unauthorized');
    // The follower page has no mintToken: it could not get a token of its own.
    const follower = await context.newPage();
    await follower.goto(leader.url());
    await waitStatus(follower, 'unauthorized');
    expiresInS = 3600;
    await reconnect(follower);
    await waitStatus(follower, 'live');
    await waitStatus(leader, 'live');
    t.is(minted.count, 2);
    t.is(gateway.hub.size, 1);
  },
);
