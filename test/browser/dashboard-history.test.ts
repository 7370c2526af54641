/**
 * The dashboard's "Actividad reciente" opens with the latest events from the log, goes on
 * live with none twice, and opens with them again after a reload: real Chromium, a real
 * gateway.
 */
import type { Page } from 'playwright-core';
import { browserTest, waitInPage } from '../helpers/browser.js';
import { postEvent, startGateway } from '../helpers/gateway.js';

const test = browserTest();

/** The feed's ids, oldest first, once it holds at least `count`. */
async function feedOf(page: Page, count: number): Promise<string[]> {
  await waitInPage(
    page,
    `document.querySelectorAll('#feed [data-event-id]').length >= ${count}`,
    `${count} events in the feed`,
  );
  const ids = await page.$$eval('#feed [data-event-id]', (items) =>
    items.map((item) => (item as HTMLElement).dataset.eventId as string),
  );
  return ids.reverse();
}

for (const spools of [30, 3]) {
  test.serial(
    `40 events on ${spools} spools: the 20 newest on opening, then live once each, and again after a reload`,
    async (t) => {
      const gateway = await startGateway(t, { SSE_PING_INTERVAL_S: '2' });
      const publish = (n: number) =>
        postEvent(gateway.url, { event_type: 'STATE_CHANGE', tag_spool: `H-${n % spools}`, n });
      const ids: string[] = [];
      for (let n = 0; n < 40; n += 1) ids.push(await publish(n));
      const page = await t.context.browser.newPage();
      t.teardown(() => page.close());
      await page.goto(gateway.url);
      t.deepEqual(await feedOf(page, 20), ids.slice(-20));
      await waitInPage(page, "document.querySelector('#status').dataset.status === 'live'", 'live');
      ids.push(await publish(40));
      t.deepEqual(await feedOf(page, 21), ids.slice(-21));
      await page.reload();
      t.deepEqual(await feedOf(page, 20), ids.slice(-20));
    },
  );
}
