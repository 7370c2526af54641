/**
 * The dashboard in real Chromium against real gateways and a real Redis: snapshot, live
 * events, a gateway restart and a Redis outage, and the screenshot artifact.
 */
import { copyFile, mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { RedisEventService } from '../../src/index.js';
import { checkedFetch } from '../helpers/api-contract.js';
import { browserTest, waitInPage } from '../helpers/browser.js';
import {
  connectRedis,
  ownRedisEnv,
  PRODUCER_MESSAGE,
  redisEnv,
  startGateway,
} from '../helpers/gateway.js';
import { startServiceProcess } from '../helpers/gateway-process.js';
import { waitFor } from '../helpers/wait.js';

const test = browserTest();
// Short retries so a restart is picked up quickly. Heartbeats stay at 2 s: much shorter
// and a loaded CI core could starve one long enough to make a healthy stream look stale.
const FAST = { SSE_PING_INTERVAL_S: '2', SSE_RETRY_MS: '200' };

async function openDashboard(t: { context: { browser: Browser } }, url: string): Promise<Page> {
  const page = await t.context.browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(url);
  return page;
}

const status = (page: Page) => page.getAttribute('#status', 'data-status');
const waitStatus = (page: Page, wanted: string) =>
  waitInPage(
    page,
    `document.querySelector('#status')?.dataset.status === ${JSON.stringify(wanted)}`,
    `the badge to say ${wanted}`,
  );
/** The ids in the activity feed, oldest first. */
const feedIds = async (page: Page) =>
  (
    await page.$$eval('#feed [data-event-id]', (items) =>
      items.map((item) => (item as HTMLElement).dataset.eventId as string),
    )
  ).reverse();

/** Waits until the feed holds as many events as `ids`, then returns the feed's ids in order. */
async function feedWhenComplete(page: Page, ids: readonly string[]): Promise<string[]> {
  await waitInPage(
    page,
    `document.querySelectorAll('#feed [data-event-id]').length >= ${ids.length}`,
    'every stored event in the feed',
  );
  return feedIds(page);
}

function publisherFor(t: Parameters<typeof startGateway>[0], env: Record<string, string>) {
  const events = new RedisEventService(connectRedis(t, env.REDIS_URL as string), {
    keyPrefix: env.REDIS_KEY_PREFIX,
  });
  // Retries until stored: after a Redis restart the producer's connection comes back too.
  return async (type: string, tag: string, worker: string | null, estado: string) =>
    waitFor(
      async () => {
        const result = await events.publishSpoolUpdate(type, tag, worker, estado, {});
        return result.ok ? result.id : false;
      },
      { timeoutMs: 30_000, intervalMs: 100, message: `storing ${type} ${tag}` },
    );
}

test.serial('the page shows the snapshot, then a PUBLISHed event, live', async (t) => {
  const env = await redisEnv();
  const gateway = await startGateway(t, { ...env, ...FAST });
  const publish = publisherFor(t, env);
  const before = [
    await publish('PAUSAR', 'SPOOL-002', 'JP(12)', 'SOLD: Pausado'),
    await publish('COMPLETAR', 'SPOOL-003', 'AB(7)', 'ARM: Completado'),
    await publish('TOMAR', 'SPOOL-014', 'LC(31)', 'PINT: En Progreso'),
    await publish('STATE_CHANGE', 'SPOOL-020', null, 'ARM: Esperando material'),
    await publish('TOMAR', 'SPOOL-007', 'RV(45)', 'SOLD: Soldando raíz'),
  ];
  const page = await openDashboard(t, gateway.url);
  await waitStatus(page, 'live');
  await page.waitForSelector('[data-tag="SPOOL-002"][data-status="paused"]');
  t.is(await page.textContent('#status-text'), 'En vivo');

  const producer = connectRedis(t, env.REDIS_URL as string);
  await producer.publish(env.SPOOLS_CHANNEL as string, PRODUCER_MESSAGE);
  const card = await page.waitForSelector('[data-tag="SPOOL-001"][data-status="occupied"]', {
    timeout: 30_000,
  });
  t.is(await card.$eval('.worker', (e) => e.textContent), 'MR (93)');
  t.is(await card.$eval('.estado', (e) => e.textContent), 'ARM: En Progreso');
  // The feed opened with the events published before, then the live one, each once.
  const feed = await feedWhenComplete(page, [...before, 'live']);
  t.deepEqual(feed.slice(0, 5), before);
  t.is(feed.length, 6);
  t.is(await card.getAttribute('data-event-id'), feed[5] as string);

  // Filters: by operation and by tag.
  await page.selectOption('#operation', 'SOLD');
  t.deepEqual(
    await page.$$eval('.card[data-tag]', (c) => c.map((e) => e.getAttribute('data-tag'))),
    ['SPOOL-007', 'SPOOL-002'],
  );
  await page.selectOption('#operation', '');
  await page.fill('#search', '01');
  t.deepEqual(
    await page.$$eval('.card[data-tag]', (c) => c.map((e) => e.getAttribute('data-tag'))),
    ['SPOOL-001', 'SPOOL-014'],
  );
  await page.fill('#search', '');
  await page.locator('#search').blur();

  // The artifact: the page as a worker sees it (docs/dashboard.png with UPDATE_SCREENSHOT=1).
  await page.waitForFunction(() => document.querySelectorAll('.card.changed').length === 0);
  const artifact = fileURLToPath(
    new URL('../../dist/test-artifacts/dashboard.png', import.meta.url),
  );
  await mkdir(fileURLToPath(new URL('../../dist/test-artifacts/', import.meta.url)), {
    recursive: true,
  });
  await page.screenshot({ path: artifact });
  if (process.env.UPDATE_SCREENSHOT === '1') {
    await copyFile(artifact, fileURLToPath(new URL('../../docs/dashboard.png', import.meta.url)));
  }
  await page.click('#lang');
  t.is(await page.textContent('#status-text'), 'Live');
  await page.close();
});

test.serial(
  'gateway stopped: the badge leaves live; restarted on its port: live, every event stored meanwhile shown once',
  async (t) => {
    const env = await redisEnv();
    const first = await startGateway(t, { ...env, ...FAST });
    const port = new URL(first.url).port;
    const publish = publisherFor(t, env);
    const page = await openDashboard(t, first.url);
    await waitStatus(page, 'live');
    const ids = [await publish('TOMAR', 'S-0', 'MR(93)', 'ARM: a')];
    await page.waitForSelector(`[data-event-id="${ids[0]}"]`);

    await first.stop();
    await waitFor(async () => (await status(page)) !== 'live', {
      message: 'the badge to leave live',
    });
    for (let n = 1; n <= 5; n += 1)
      ids.push(await publish('STATE_CHANGE', `S-${n}`, null, `ARM: ${n}`));

    await startGateway(t, { ...env, ...FAST, PORT: port });
    await waitStatus(page, 'live');
    t.deepEqual(await feedWhenComplete(page, ids), ids);
    await page.close();
  },
);

test.serial('Redis stopped: paused; started again: live, nothing missed', async (t) => {
  const { redis, env } = await ownRedisEnv(t, {
    ownProcess: true,
    args: ['--appendonly', 'yes', '--appendfsync', 'always'],
  });
  const gateway = await startGateway(t, { ...env, ...FAST });
  const publish = publisherFor(t, env);
  const page = await openDashboard(t, gateway.url);
  await waitStatus(page, 'live');
  const ids = [await publish('TOMAR', 'R-0', 'MR(93)', 'ARM: a')];
  await page.waitForSelector(`[data-event-id="${ids[0]}"]`);

  await redis.stop();
  await waitStatus(page, 'paused');
  t.is(await page.textContent('#status-text'), 'Actualizaciones en pausa');
  await redis.restart();
  for (let n = 1; n <= 4; n += 1)
    ids.push(await publish('STATE_CHANGE', `R-${n}`, null, `ARM: ${n}`));
  await waitStatus(page, 'live');
  t.deepEqual(await feedWhenComplete(page, ids), ids);
  await page.close();
});

test.serial(
  'npm start on the embedded bus: open the page, one POST, the update shows',
  async (t) => {
    const gateway = await startServiceProcess(t, { LOG_LEVEL: 'silent' });
    const page = await t.context.browser.newPage();
    t.teardown(() => page.close());
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
    await page.goto(gateway.url);
    await waitStatus(page, 'live');
    const response = await checkedFetch(`${gateway.url}/api/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: PRODUCER_MESSAGE,
    });
    t.is(response.status, 202);
    await page.waitForSelector('[data-tag="SPOOL-001"][data-status="occupied"]', {
      timeout: 30_000,
    });
    // A CSP violation or a script error would be reported here.
    t.deepEqual(problems, []);
  },
);
