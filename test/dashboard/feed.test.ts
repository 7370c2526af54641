import test from 'ava';
import { TEXTS } from '../../src/dashboard/i18n.js';
import { badgeText, mergeFeed } from '../../src/dashboard/view-model.js';
import { update } from '../client/fakes.js';

const ids = (events: { spoolcast: { id: string } }[]) => events.map((e) => e.spoolcast.id);

test('the feed is newest first, each event once, however history and live events interleave', (t) => {
  const live = [update('9-0', 'TOMAR', 'S-1'), update('10-0', 'PAUSAR', 'S-1')];
  const history = [update('8-0', 'TOMAR', 'S-2'), update('9-0', 'TOMAR', 'S-1')];
  const feed = mergeFeed(mergeFeed([], live, 50), history, 50);
  t.deepEqual(ids(feed), ['10-0', '9-0', '8-0']);
  t.deepEqual(ids(mergeFeed(feed, [update('11-0', 'TOMAR', 'S-3')], 2)), ['11-0', '10-0']);
});

test('the badge says long-poll after the status while a proxy holds the stream back', (t) => {
  t.is(badgeText('live', 'long-poll', TEXTS.es), 'En vivo (long-poll)');
  t.is(badgeText('live', 'long-poll', TEXTS.en), 'Live (long-poll)');
  t.is(badgeText('reconnecting', 'long-poll', TEXTS.es), 'Reconectando (long-poll)');
  t.is(badgeText('live', 'sse', TEXTS.es), 'En vivo');
  t.is(badgeText('unauthorized', 'long-poll', TEXTS.es), 'Sesión expirada');
  t.is(badgeText('offline', 'long-poll', TEXTS.es), 'Sin conexión');
});
