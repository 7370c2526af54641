import test from 'ava';
import { buildEvent, parseField, parsePublishOptions } from '../../src/cli/publish-options.js';
import { UsageError } from '../../src/cli/usage-error.js';

// 17:30:05 UTC is 14:30:05 in Santiago (UTC−3 in November).
const defaults = { env: {}, now: () => new Date('2026-11-27T17:30:05Z'), newKey: () => 'key-1' };

test("flags build the Python backend's event: its field order, plant-time timestamp, extras last", (t) => {
  const options = parsePublishOptions(
    [
      '--event-type',
      'TOMAR',
      '--tag',
      'SPOOL-001',
      '--worker',
      'MR(93)',
      '--estado',
      'ARM: En Progreso',
      '--field',
      'operacion=ARM',
    ],
    defaults,
  );
  t.is(
    JSON.stringify(options.event),
    '{"event_type":"TOMAR","tag_spool":"SPOOL-001","worker_nombre":"MR(93)","estado_detalle":"ARM: En Progreso","timestamp":"27-11-2026 14:30:05","operacion":"ARM"}',
  );
});

test('the default target is the gateway with a fresh key, 5 retries and the token from the environment', (t) => {
  const options = parsePublishOptions(['--event-type', 'X', '--tag', 'T'], {
    ...defaults,
    env: { SPOOLCAST_TOKEN: 'tkn' },
  });
  t.deepEqual(options.target, {
    kind: 'http',
    url: 'http://localhost:8000',
    idempotencyKey: 'key-1',
    token: 'tkn',
    retries: 5,
  });
});

test('--plain publishes on spools:updates at REDIS_URL unless told otherwise', (t) => {
  const options = parsePublishOptions(['-', '--plain'], {
    ...defaults,
    env: { REDIS_URL: 'redis://r:6379' },
  });
  t.is(options.event, null);
  t.deepEqual(options.target, {
    kind: 'plain',
    redisUrl: 'redis://r:6379',
    channel: 'spools:updates',
  });
});

test('key=value is a string, key:=json any JSON value', (t) => {
  t.deepEqual(parseField('n=3'), ['n', '3']);
  t.deepEqual(parseField('n:=3'), ['n', 3]);
  t.deepEqual(parseField('tags:=["a","b"]'), ['tags', ['a', 'b']]);
  t.deepEqual(parseField('note=a=b'), ['note', 'a=b']);
});

test('contradictions and gaps are usage errors that name the flag', (t) => {
  const cases: [string[], RegExp][] = [
    [['--tag', 'T'], /--event-type is required/],
    [['-', '--tag', 'T'], /cannot be combined with --tag/],
    [['-', '--plain', '--key', 'k'], /--key has no meaning with --plain/],
    [['-', '--channel', 'c'], /--channel needs --plain/],
    [
      ['--event-type', 'X', '--tag', 'T', '--field', 'tag_spool=U'],
      /--field tag_spool is given twice/,
    ],
    [['-', '--retries', 'many'], /--retries must be a whole number/],
    [['-', '--url', 'ftp://x'], /--url must be an http\(s\) URL/],
  ];
  for (const [args, message] of cases)
    t.throws(() => parsePublishOptions(args, defaults), { instanceOf: UsageError, message });
});

test('an event needs its type and tag', (t) => {
  const parts = {
    eventType: 'TOMAR',
    tag: undefined,
    worker: undefined,
    estado: undefined,
    timestamp: 't',
    fields: [],
  };
  t.throws(() => buildEvent(parts), { message: /--tag is required/ });
});
