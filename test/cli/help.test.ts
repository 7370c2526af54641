import test from 'ava';
import { runSpoolcast } from './spoolcast-process.js';

const COMMANDS = ['serve', 'check-config', 'publish', 'tail', 'token'];

test('--help lists every command and the exit codes, exit 0', async (t) => {
  const run = await runSpoolcast(t, ['--help']);
  t.is(run.code, 0);
  for (const name of COMMANDS) t.regex(run.stdout, new RegExp(`^  ${name} `, 'm'));
  t.regex(
    run.stdout,
    /Exit codes: 0 ok, 1 failure or problems found, 2 usage error, 78 bad configuration/,
  );
});

for (const name of COMMANDS) {
  test(`${name} --help prints its usage and exit codes, exit 0`, async (t) => {
    const run = await runSpoolcast(t, [name, '--help']);
    t.is(run.code, 0);
    t.true(run.stdout.startsWith(`Usage: spoolcast ${name}`));
    t.regex(run.stdout, /Exit codes:\n {2}0 /);
    t.is(run.stderr, '');
  });
}

test('no command, an unknown command or an unknown option is a usage error, exit 2', async (t) => {
  const none = await runSpoolcast(t, []);
  const unknown = await runSpoolcast(t, ['frobnicate']);
  const badOption = await runSpoolcast(t, ['check-config', '--jsn']);
  t.deepEqual([none.code, unknown.code, badOption.code], [2, 2, 2]);
  t.regex(unknown.stderr, /unknown command "frobnicate"/);
  t.regex(
    badOption.stderr,
    /Unknown option '--jsn'[\s\S]*Run 'spoolcast check-config --help' for usage\./,
  );
});

test('--version prints the package version', async (t) => {
  const run = await runSpoolcast(t, ['--version']);
  t.is(run.code, 0);
  t.regex(run.stdout, /^\d+\.\d+\.\d+\n$/);
});
