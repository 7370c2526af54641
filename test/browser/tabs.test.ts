/** Two dashboard tabs of one browser share one stream; the second takes over when the first closes. */
import test from 'ava';
import type { Page } from 'playwright-core';
import { RedisEventService } from '../../src/index.js';
import { launchBrowser, waitInPage } from '../helpers/browser.js';
import { connectRedis, metricValue, redisEnv, startGateway } from '../helpers/gateway.js';
import { waitFor } from '../helpers/wait.js';

const hasEvent = (page: Page, id: string) =>
  waitInPage(page, `!!document.querySelector('#feed [data-event-id="${id}"]')`, `event ${id}`);

test('two tabs hold one connection, and the second takes over when the first closes', async (t) => {
  const browser = await launchBrowser();
  t.teardown(() => browser.close());
  const env = await redisEnv();
  const gateway = await startGateway(t, {
    ...env,
    SSE_PING_INTERVAL_S: '2',
    SSE_RETRY_MS: '200',
  });
  const events = new RedisEventService(connectRedis(t, env.REDIS_URL as string), {
    keyPrefix: env.REDIS_KEY_PREFIX,
  });
  const publish = async (tag: string) => {
    const result = await events.publishSpoolUpdate('TOMAR', tag, 'MR(93)', 'ARM: x', {});
    if (!result.ok) throw new Error(result.reason);
    return result.id;
  };
  const starts = () => metricValue(gateway, 'spoolcast_stream_starts_total', { mode: 'snapshot' });
  const context = await browser.newContext();
  const first = await context.newPage();
  await first.goto(gateway.url);
  await waitInPage(
    first,
    "document.querySelector('#status').dataset.status === 'live'",
    'tab 1 live',
  );
  const second = await context.newPage();
  await second.goto(gateway.url);
  await waitInPage(
    second,
    "document.querySelector('#status').dataset.status === 'live'",
    'tab 2 live',
  );
  const before = await publish('T-0');
  await hasEvent(first, before);
  await hasEvent(second, before);
  t.is(gateway.hub.size, 1);
  t.is(await starts(), 1);

  await first.close();
  const during = await publish('T-1');
  await waitFor(
    async () =>
      (await metricValue(gateway, 'spoolcast_stream_starts_total', { mode: 'cursor' })) === 1,
    { message: 'the second tab to open its own stream from the last id' },
  );
  await hasEvent(second, during);
  const after = await publish('T-2');
  await hasEvent(second, after);
  t.is(gateway.hub.size, 1);
  t.is(await starts(), 1);
  t.deepEqual(
    await second.$$eval('#feed [data-event-id]', (items) =>
      items.map((item) => (item as HTMLElement).dataset.eventId).reverse(),
    ),
    [before, during, after],
  );
});
