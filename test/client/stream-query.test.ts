import test from 'ava';
import {
  advanceCursor,
  filterFromQuery,
  filterKey,
  streamUrl,
  withAccessToken,
} from '../../src/client/stream-query.js';

const STREAM = 'http://gw.test/api/sse/stream';

test('the filter goes in the query, each value repeated, blank values left out', (t) => {
  const filter = { worker: ['93'], operation: ['ARM', ' SOLD '], tag: [' ', ''] };
  t.is(
    streamUrl(STREAM, '5-0', true, filter),
    `${STREAM}?operation=ARM&operation=SOLD&worker=93&snapshot=1&last_event_id=5-0`,
  );
  t.is(streamUrl(STREAM, null, false, {}), STREAM);
});

test('the token goes as access_token, and only there', (t) => {
  const url = streamUrl(STREAM, null, true, { operation: ['ARM'] });
  t.is(withAccessToken(url, 'a.b-c_d'), `${STREAM}?operation=ARM&snapshot=1&access_token=a.b-c_d`);
  t.false(url.includes('access_token'));
});

test("a page's address names its filter; other parameters and blank values are ignored", (t) => {
  const filter = filterFromQuery(
    '?lang=en&operation=ARM&worker=93&worker=&tag=%20S-1%20&snapshot=1',
  );
  t.deepEqual(filter, { tag: ['S-1'], operation: ['ARM'], worker: ['93'] });
  t.deepEqual(filterFromQuery(''), {});
  t.is(filterKey(filter), 'tag=S-1&operation=ARM&worker=93');
  t.is(filterKey({ worker: ['93'], tag: ['S-1'], operation: ['ARM'] }), filterKey(filter));
  t.is(filterKey(), '');
});

test("a heartbeat's id becomes the cursor only when it is a newer event id, compared as numbers", (t) => {
  t.is(advanceCursor(null, '5-0'), '5-0');
  t.is(advanceCursor('9-0', '10-0'), '10-0');
  t.is(advanceCursor('5-2', '5-10'), '5-10');
  t.is(advanceCursor('10-0', '9-5'), '10-0');
  t.is(advanceCursor('10-0', '10-0'), '10-0');
  t.is(advanceCursor('10-0', null), '10-0');
  t.is(advanceCursor('10-0', 'latest'), '10-0');
  t.is(advanceCursor(null, 42), null);
});
