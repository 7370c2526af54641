/**
 * The dashboard as a station's bookmark and behind auth, in real Chromium against a real
 * gateway: its URL's filter selects what the gateway sends, and a refused session shows
 * "Sesión expirada" / "Sin permiso" until Reintentar finds a good cookie.
 */
import type { Page } from 'playwright-core';
import { RedisEventService } from '../../src/index.js';
import { browserTest, waitInPage } from '../helpers/browser.js';
import { connectRedis, redisEnv, startGateway } from '../helpers/gateway.js';
import { hsToken, TEST_SECRET } from '../helpers/tokens.js';

const test = browserTest();
const FAST = { SSE_PING_INTERVAL_S: '2', SSE_RETRY_MS: '200' };

const waitStatus = (page: Page, wanted: string) =>
  waitInPage(
    page,
    `document.querySelector('#status')?.dataset.status === ${JSON.stringify(wanted)}`,
    `the badge to say ${wanted}`,
  );
const attributes = (page: Page, selector: string, name: string) =>
  page.$$eval(selector, (nodes, n) => nodes.map((node) => node.getAttribute(n) ?? ''), name);

test.serial(
  '/?operation=ARM shows only ARM spools and ARM activity, and says which filter is on',
  async (t) => {
    const env = await redisEnv();
    const gateway = await startGateway(t, { ...env, ...FAST });
    const events = new RedisEventService(connectRedis(t, env.REDIS_URL), {
      keyPrefix: env.REDIS_KEY_PREFIX,
    });
    const publish = async (type: string, tag: string, estado: string) => {
      const result = await events.publishSpoolUpdate(type, tag, 'MR(93)', estado, {});
      if (!result.ok) throw new Error(result.reason);
      return result.id;
    };
    // Published before the page opens: in its feed from the log, the ARM one only.
    const armIds = [await publish('TOMAR', 'A-1', 'ARM: En Progreso')];
    await publish('TOMAR', 'S-1', 'SOLD: En Progreso');
    const page = await t.context.browser.newPage();
    t.teardown(() => page.close());
    await page.goto(`${gateway.url}/?operation=ARM`);
    await waitStatus(page, 'live');
    armIds.push(await publish('PAUSAR', 'A-2', 'ARM: Pausado'));
    await publish('TOMAR', 'S-2', 'SOLD: En Progreso');
    armIds.push(await publish('COMPLETAR', 'A-1', 'ARM: Completado'));
    for (const id of armIds) await page.waitForSelector(`#feed [data-event-id="${id}"]`);
    t.deepEqual(
      (await attributes(page, '#feed [data-event-id]', 'data-event-id')).reverse(),
      armIds,
    );
    t.deepEqual((await attributes(page, '.card[data-tag]', 'data-tag')).sort(), ['A-1', 'A-2']);
    t.is(await page.textContent('#selection-text'), 'Solo operación ARM');
  },
);

test.serial(
  'auth on: no cookie is "Sesión expirada", no read scope "Sin permiso"; Reintentar with a good cookie goes live',
  async (t) => {
    const gateway = await startGateway(t, {
      ...(await redisEnv()),
      ...FAST,
      AUTH_JWT_SECRET: TEST_SECRET,
    });
    const context = await t.context.browser.newContext();
    t.teardown(() => context.close());
    const setCookie = async (scope: string) =>
      context.addCookies([
        { name: 'spoolcast_token', value: await hsToken({ scope }), url: gateway.url },
      ]);
    const page = await context.newPage();
    await page.goto(gateway.url);
    await waitStatus(page, 'unauthorized');
    t.is(await page.textContent('#status-text'), 'Sesión expirada');
    await setCookie('spools:publish');
    await page.click('#retry');
    await waitStatus(page, 'forbidden');
    t.is(await page.textContent('#status-text'), 'Sin permiso');
    await setCookie('spools:read');
    await page.click('#retry');
    await waitStatus(page, 'live');
    t.true(await page.isHidden('#retry'));
  },
);
