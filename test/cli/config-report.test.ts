import test from 'ava';
import { buildConfigReport, formatConfigReport } from '../../src/cli/config-report.js';
import { isSecretSetting, maskSettingValue, scrubSecrets } from '../../src/cli/mask-secrets.js';

test('secret settings are recognised by name, today and as auth settings arrive', (t) => {
  for (const name of [
    'REDIS_PASSWORD',
    'REDIS_SENTINEL_PASSWORD',
    'AUTH_JWT_SECRET',
    'SPOOLCAST_TOKEN',
  ]) {
    t.true(isSecretSetting(name), name);
  }
  for (const name of ['REDIS_URL', 'PORT', 'AUTH_ISSUER']) t.false(isSecretSetting(name), name);
});

test('a set secret prints as ***, an unset one as nothing, a URL keeps all but its password', (t) => {
  t.is(maskSettingValue('REDIS_PASSWORD', 'hunter2'), '***');
  t.is(maskSettingValue('REDIS_PASSWORD', ''), '');
  t.is(maskSettingValue('REDIS_URL', 'rediss://u:p%40ss@redis:6380'), 'rediss://u:***@redis:6380');
});

test('scrubbing hides every known secret value in free text, longest first', (t) => {
  t.is(scrubSecrets('got "abc-def" and "abc"', ['abc', 'abc-def']), 'got "***" and "***"');
});

test('a report marks defaults and reads computed ones back from the loaded config', (t) => {
  const report = buildConfigReport({ POOL_THREADS: '3', REDIS_URL: 'redis://r:6379' });
  const byName = new Map(report.settings.map((s) => [s.name, s]));
  t.true(report.ok);
  t.like(byName.get('POOL_THREADS'), { value: '3', isDefault: false });
  t.like(byName.get('PUBLISH_REPLICA_ACKS'), {
    value: '0',
    isDefault: true,
    defaultNote: '1 with Sentinel, else 0',
  });
  t.like(byName.get('PORT'), { value: '8000', isDefault: true, defaultNote: null });
});

test('the text report aligns the default marks and counts the problems', (t) => {
  const text = formatConfigReport(buildConfigReport({ PORT: 'x', HOST: '' }));
  t.regex(text.stdout, /^PORT=x\n/);
  t.regex(text.stdout, /^REDIS_SENTINEL_MASTER=mymaster +# default$/m);
  t.regex(
    text.stderr,
    /^spoolcast: invalid configuration \(2 problems\):\n {2}PORT .*\n {2}HOST .*\n$/,
  );
});
