/** `useSpoolStream` in a real bundled React page, real Chromium, real gateways and Redis. */
import { RedisEventService } from '../../src/index.js';
import type { Service } from '../../src/service.js';
import { browserTest, servePage, waitInPage } from '../helpers/browser.js';
import { connectRedis, metricValue, redisEnv, startGateway } from '../helpers/gateway.js';
import { hsToken, TEST_SECRET } from '../helpers/tokens.js';

const test = browserTest(new URL('./react-page.tsx', import.meta.url));
const FAST = { SSE_PING_INTERVAL_S: '2', SSE_RETRY_MS: '200' };

/** Streams a gateway has started, whatever their mode. */
async function streamStarts(gateway: Service): Promise<number> {
  let total = 0;
  for (const mode of ['live', 'cursor', 'snapshot', 'resync']) {
    total += await metricValue(gateway, 'spoolcast_stream_starts_total', { mode });
  }
  return total;
}

test.serial(
  'one connection across re-renders with new options; resumes across a gateway restart with no stored event lost',
  async (t) => {
    const { browser, script } = t.context;
    const origin = await servePage(t, script);
    const env: Record<string, string> = { ...(await redisEnv()), ...FAST, CORS_ORIGINS: origin };
    const first = await startGateway(t, env);
    const events = new RedisEventService(connectRedis(t, env.REDIS_URL as string), {
      keyPrefix: env.REDIS_KEY_PREFIX,
    });
    const ids: string[] = [];
    const publish = async (count: number) => {
      for (let i = 0; i < count; i += 1) {
        const result = await events.publishSpoolUpdate(
          'STATE_CHANGE',
          `H-${ids.length}`,
          null,
          'ARM: x',
          {},
        );
        if (!result.ok) throw new Error(result.reason);
        ids.push(result.id);
      }
    };
    const page = await browser.newPage();
    await page.goto(`${origin}/?stream=${first.url}/api/sse/stream`);
    await waitInPage(page, "window.spoolcast.status === 'live'", 'the hook to be live');
    await publish(30);
    await waitInPage(page, 'window.spoolcast.ids.length === 30', '30 messages in the page');
    t.true(
      (await page.evaluate(
        () => (window as unknown as { spoolcast: { renders: number } }).spoolcast.renders,
      )) > 30,
    );
    t.is(await streamStarts(first), 1);
    t.is(first.hub.size, 1);

    await first.stop();
    await publish(10);
    const second = await startGateway(t, { ...env, PORT: new URL(first.url).port });
    await waitInPage(page, 'window.spoolcast.ids.length >= 40', 'the events stored while down');
    await publish(1);
    await waitInPage(page, 'window.spoolcast.ids.length >= 41', 'a live event after the restart');
    const seen = await page.evaluate(
      () =>
        (window as unknown as { spoolcast: { ids: string[]; connections: boolean[] } }).spoolcast,
    );
    t.deepEqual(seen.ids, ids);
    t.deepEqual(seen.connections, [true, false, true]);
    t.is(await metricValue(second, 'spoolcast_stream_starts_total', { mode: 'cursor' }), 1);
    t.is(await streamStarts(second), 1);
  },
);

test.serial(
  'the hook says forbidden, and its reconnect() asks getToken again and goes live',
  async (t) => {
    const origin = await servePage(t, t.context.script);
    const gateway = await startGateway(t, {
      ...(await redisEnv()),
      ...FAST,
      AUTH_JWT_SECRET: TEST_SECRET,
      AUTH_QUERY_TOKEN: 'true',
      CORS_ORIGINS: origin,
    });
    const page = await t.context.browser.newPage();
    t.teardown(() => page.close());
    let scope = 'spools:publish';
    await page.exposeFunction('mintToken', () => hsToken({ scope }));
    await page.goto(`${origin}/?token&stream=${gateway.url}/api/sse/stream`);
    await waitInPage(page, "window.spoolcast.status === 'forbidden'", 'the hook to say forbidden');
    scope = 'spools:read';
    await page.evaluate(() =>
      (window as unknown as { spoolcast: { reconnect(): void } }).spoolcast.reconnect(),
    );
    await waitInPage(page, "window.spoolcast.status === 'live'", 'the hook to be live again');
    t.is(await page.getAttribute('#view', 'data-status'), 'live');
  },
);
