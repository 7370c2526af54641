import test from 'ava';
import { parseTailOptions, streamUrl } from '../../src/cli/tail-options.js';
import { UsageError } from '../../src/cli/usage-error.js';

test('each filter flag becomes its query parameter, repeated values kept', (t) => {
  const options = parseTailOptions(
    [
      '--tag',
      'A',
      '--tag',
      'B',
      '--tag-prefix',
      'SP-',
      '--event-type',
      'TOMAR',
      '--operation',
      'ARM',
      '--worker',
      '93',
    ],
    {},
  );
  t.is(
    streamUrl(options, false),
    'http://localhost:8000/api/sse/stream?tag=A&tag=B&tag_prefix=SP-&event_type=TOMAR&operation=ARM&worker=93',
  );
});

test('snapshot=1 is asked only while there is no cursor', (t) => {
  const options = parseTailOptions(['--snapshot', '--url', 'http://gw:9000/'], {});
  t.is(streamUrl(options, false), 'http://gw:9000/api/sse/stream?snapshot=1');
  t.is(streamUrl(options, true), 'http://gw:9000/api/sse/stream');
});

test('--from, --count, --json and the token (flag over SPOOLCAST_TOKEN)', (t) => {
  const options = parseTailOptions(
    ['--from', '17-0', '--count', '3', '--json', '--token', 'flag'],
    { SPOOLCAST_TOKEN: 'env' },
  );
  t.like(options, { from: '17-0', count: 3, json: true, token: 'flag', cookieName: null });
  t.is(parseTailOptions([], { SPOOLCAST_TOKEN: 'env' }).token, 'env');
});

test('bad values are usage errors', (t) => {
  for (const args of [
    ['--count', '0'],
    ['--count', 'x'],
    ['--tag', ''],
    ['--from', ' '],
    ['--cookie-name', 'a b'],
    ['stray'],
  ]) {
    t.throws(() => parseTailOptions(args, {}), { instanceOf: UsageError }, args.join(' '));
  }
});
