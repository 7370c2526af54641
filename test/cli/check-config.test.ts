import test from 'ava';
import { runSpoolcast } from './spoolcast-process.js';

const SECRETS = {
  REDIS_PASSWORD: 'redis-pass-0f3b9c',
  REDIS_SENTINEL_PASSWORD: 'sentinel-pass-77aa1',
  AUTH_JWT_SECRET: 'jwt-secret-that-is-long-enough-0123456789',
  SOME_API_TOKEN: 'tok-5d5d5d',
};
const URL_PASSWORD = 'url-pass-c0ffee';

test('a valid environment: every setting as NAME=value, defaults marked, exit 0', async (t) => {
  const run = await runSpoolcast(t, ['check-config'], { env: { PORT: '9000' } });
  t.is(run.code, 0);
  t.regex(run.stdout, /^PORT=9000$/m);
  t.regex(run.stdout, /^HOST=0\.0\.0\.0 +# default$/m);
  t.regex(run.stdout, /^REDIS_URL= +# default \(unset\)$/m);
  t.regex(run.stdout, /^POOL_THREADS=\d+ +# default \(cores − 1, at least 1\)$/m);
  t.is(run.stderr, 'spoolcast: configuration is valid\n');
});

test('bad values: every problem at once, naming each variable, exit 1', async (t) => {
  const run = await runSpoolcast(t, ['check-config'], {
    env: { PORT: 'eighty', LOG_LEVEL: 'loud', SSE_RETRY_MS: '5' },
  });
  t.is(run.code, 1);
  t.regex(run.stderr, /invalid configuration \(3 problems\)/);
  for (const name of ['PORT', 'LOG_LEVEL', 'SSE_RETRY_MS'])
    t.regex(run.stderr, new RegExp(`^  ${name} `, 'm'));
});

for (const json of [false, true]) {
  test(`no secret appears in the output${json ? ' (--json)' : ''}, valid or not`, async (t) => {
    const env = { ...SECRETS, REDIS_URL: `redis://app:${URL_PASSWORD}@127.0.0.1:6379/0` };
    const runs = await Promise.all([
      runSpoolcast(t, ['check-config', ...(json ? ['--json'] : [])], { env }),
      runSpoolcast(t, ['check-config', ...(json ? ['--json'] : [])], {
        env: { ...env, PORT: SECRETS.REDIS_PASSWORD },
      }),
    ]);
    t.deepEqual(
      runs.map((run) => run.code),
      [0, 1],
    );
    for (const run of runs) {
      const output = run.stdout + run.stderr;
      for (const secret of [...Object.values(SECRETS), URL_PASSWORD])
        t.false(output.includes(secret), secret);
      t.regex(output, /redis:\/\/app:\*\*\*@127\.0\.0\.1:6379\/0/);
    }
  });
}

test('--json: one document with ok, every setting and the problems', async (t) => {
  const run = await runSpoolcast(t, ['check-config', '--json'], {
    env: { REDIS_PASSWORD: 'x-secret-x', PORT: 'x' },
  });
  const report = JSON.parse(run.stdout);
  t.is(run.code, 1);
  t.false(report.ok);
  t.deepEqual(report.problems, ['PORT must be a whole number, got "x"']);
  t.deepEqual(
    report.settings.find((s: { name: string }) => s.name === 'REDIS_PASSWORD'),
    {
      name: 'REDIS_PASSWORD',
      value: '***',
      default: false,
      secret: true,
    },
  );
});
