/**
 * The command against real gateways: publish → tail round trips over HTTP and over a plain
 * Redis PUBLISH, idempotent retries, resume after a drop, --from and --snapshot.
 */
import test from 'ava';
import { type FrameFields, frameCheckerFor } from '../helpers/api-contract.js';
import { getFreePort } from '../helpers/free-port.js';
import { redisEnv, startGateway } from '../helpers/gateway.js';
import { runSpoolcast, spawnSpoolcast } from './spoolcast-process.js';

const EVENT = [
  '--event-type',
  'TOMAR',
  '--tag',
  'SPOOL-001',
  '--worker',
  'MR(93)',
  '--estado',
  'ARM: En Progreso',
];

interface TailedFrame {
  event: string;
  id: string | null;
  data: unknown;
}

/** Every frame `tail --json` printed, each checked against docs/asyncapi.yaml. */
function tailedFrames(stdout: string, gatewayUrl: string): TailedFrame[] {
  const check = frameCheckerFor(`${gatewayUrl}/api/sse/stream`) as (frame: FrameFields) => void;
  return stdout
    .trim()
    .split('\n')
    .map((line) => {
      const frame = JSON.parse(line) as TailedFrame;
      const { event, id, data } = frame;
      check({ event, ...(id === null ? {} : { id }), data: JSON.stringify(data) });
      return frame;
    });
}

test('publish prints the id that tail --json then shows, with the enrichment', async (t) => {
  const gateway = await startGateway(t);
  const tail = spawnSpoolcast(t, ['tail', '--url', gateway.url, '--json', '--count', '1']);
  await tail.printed('"event":"connected"');
  const published = await runSpoolcast(t, [
    'publish',
    '--url',
    gateway.url,
    ...EVENT,
    '--field',
    'operacion=ARM',
  ]);
  t.is(published.code, 0);
  const id = published.stdout.trim();
  const { code, stdout } = await tail.exited;
  const update = tailedFrames(stdout, gateway.url).at(-1);
  t.is(code, 0);
  t.like(update, {
    event: 'spool_update',
    id,
    data: {
      tag_spool: 'SPOOL-001',
      operacion: 'ARM',
      spoolcast: { operation: 'ARM', state: 'En Progreso' },
    },
  });
});

test('the pretty view piped: one colourless line per event, status lines for the rest', async (t) => {
  const gateway = await startGateway(t);
  const tail = spawnSpoolcast(t, ['tail', '--url', gateway.url, '--count', '1'], {
    env: { FORCE_COLOR: '' },
  });
  await tail.printed('── connected · live');
  const id = (await runSpoolcast(t, ['publish', '--url', gateway.url, ...EVENT])).stdout.trim();
  const { stdout } = await tail.exited;
  t.false(stdout.includes('\x1b'));
  t.regex(
    stdout,
    new RegExp(`^\\d\\d:\\d\\d:\\d\\d TOMAR +SPOOL-001 +MR\\(93\\) +ARM: En Progreso +${id}$`, 'm'),
  );
});

test('a repeated --key returns the first id and stores nothing new', async (t) => {
  const gateway = await startGateway(t);
  const args = ['publish', '--url', gateway.url, ...EVENT, '--key', 'tomar-SPOOL-001-1'];
  const first = await runSpoolcast(t, args);
  const again = await runSpoolcast(t, args);
  t.is(again.code, 0);
  t.is(again.stdout, first.stdout);
  t.regex(again.stderr, /this key was used before/);
});

test("stdin (-) is sent as it is; a refused event exits 1 with the gateway's reasons", async (t) => {
  const gateway = await startGateway(t);
  const ok = await runSpoolcast(t, ['publish', '--url', gateway.url, '-'], {
    stdin: '{"event_type":"PAUSAR","tag_spool":"S-2"}\n',
  });
  const bad = await runSpoolcast(t, ['publish', '--url', gateway.url, '-'], {
    stdin: '{"event_type":"pausar"}',
  });
  t.is(ok.code, 0);
  t.regex(ok.stdout, /^\d+-\d+\n$/);
  t.is(bad.code, 1);
  t.regex(
    bad.stderr,
    /answered 400: invalid_event: invalid_value \(event_type must be .*\); missing_field/,
  );
});

test('--plain publishes like the Python producer and the gateway on that channel streams it', async (t) => {
  const env = await redisEnv('cli');
  const gateway = await startGateway(t, env);
  const tail = spawnSpoolcast(t, ['tail', '--url', gateway.url, '--json', '--count', '1']);
  await tail.printed('"event":"connected"');
  const plainArgs = [
    'publish',
    '--plain',
    '--redis',
    env.REDIS_URL as string,
    '--channel',
    env.SPOOLS_CHANNEL as string,
  ];
  const published = await runSpoolcast(t, [...plainArgs, ...EVENT]);
  t.is(published.code, 0);
  t.true(Number(published.stdout) >= 1, 'at least the gateway heard it');
  t.regex((await tail.exited).stdout, /"event":"spool_update".*"tag_spool":"SPOOL-001"/);
});

test('--plain on a channel nobody listens to, or an event the gateways would reject, exits 1', async (t) => {
  const { REDIS_URL } = await redisEnv('cli');
  const unheard = await runSpoolcast(t, [
    'publish',
    '--plain',
    '--redis',
    REDIS_URL as string,
    '--channel',
    'nobody:here',
    ...EVENT,
  ]);
  const invalid = await runSpoolcast(
    t,
    ['publish', '--plain', '--redis', REDIS_URL as string, '-'],
    { stdin: '{"event_type":"X"}' },
  );
  t.is(unheard.code, 1);
  t.regex(unheard.stderr, /no subscriber heard it on nobody:here/);
  t.is(invalid.code, 1);
  t.regex(invalid.stderr, /would reject this event:\n {2}missing_field/);
});

test('--from starts after that id; --snapshot starts with every spool', async (t) => {
  const gateway = await startGateway(t);
  const ids: string[] = [];
  for (const tag of ['S-1', 'S-2', 'S-3']) {
    ids.push(
      (
        await runSpoolcast(t, [
          'publish',
          '--url',
          gateway.url,
          '--event-type',
          'TOMAR',
          '--tag',
          tag,
        ])
      ).stdout.trim(),
    );
  }
  const from = await runSpoolcast(t, [
    'tail',
    '--url',
    gateway.url,
    '--json',
    '--from',
    ids[0] as string,
    '--count',
    '2',
  ]);
  const resumed = tailedFrames(from.stdout, gateway.url);
  t.deepEqual(
    resumed.filter((f) => f.event === 'spool_update').map((f) => f.id),
    ids.slice(1),
  );
  const snapshot = spawnSpoolcast(t, ['tail', '--url', gateway.url, '--snapshot']);
  await snapshot.printed(/── snapshot as of \S+: 3 spools\n {3}S-1 +occupied/);
  t.pass();
});

test('after a drop tail reconnects and resumes after the last id: nothing missed, nothing twice', async (t) => {
  const env = {
    ...(await redisEnv('resume')),
    PORT: String(await getFreePort()),
    SSE_RETRY_MS: '100',
  };
  const first = await startGateway(t, env);
  const tail = spawnSpoolcast(t, ['tail', '--url', first.url, '--json', '--count', '2']);
  await tail.printed('"event":"connected"');
  const one = (await runSpoolcast(t, ['publish', '--url', first.url, ...EVENT])).stdout.trim();
  await tail.printed(one);
  await first.stop();
  const second = await startGateway(t, env);
  const two = (await runSpoolcast(t, ['publish', '--url', second.url, ...EVENT])).stdout.trim();
  const { code, stdout, stderr } = await tail.exited;
  const updates = tailedFrames(stdout, second.url).filter((f) => f.event === 'spool_update');
  t.is(code, 0);
  t.deepEqual(
    updates.map((f) => f.id),
    [one, two],
  );
  t.regex(stderr, new RegExp(`reconnecting in [\\d.]+ s \\(.+\\), resuming after ${one}`));
});
