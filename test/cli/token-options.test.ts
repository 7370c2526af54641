import test from 'ava';
import { buildClaims, parseTokenOptions, parseTtl } from '../../src/cli/token-options.js';
import { UsageError } from '../../src/cli/usage-error.js';

test('ttl: seconds, minutes, hours, days; 1 s to 366 d', (t) => {
  t.deepEqual(['90', '90s', '15m', '8h', '7d'].map(parseTtl), [90, 90, 900, 28_800, 604_800]);
  for (const bad of ['0', '367d', '8x', '-1h', ''])
    t.throws(() => parseTtl(bad), { instanceOf: UsageError }, bad);
});

test('claims: scope joined, restriction only with what narrows, iss/aud from the environment', (t) => {
  const options = parseTokenOptions(
    [
      '--scope',
      'spools:read',
      '--operation',
      'ARM',
      '--operation',
      'SOLD',
      '--subject',
      'tablet-7',
      '--ttl',
      '8h',
    ],
    { AUTH_ISSUER: 'https://plant', AUTH_AUDIENCE: 'spoolcast' },
  );
  t.deepEqual(buildClaims(options, 1000, 'j-1'), {
    iss: 'https://plant',
    sub: 'tablet-7',
    aud: 'spoolcast',
    iat: 1000,
    exp: 1000 + 8 * 3600,
    jti: 'j-1',
    scope: 'spools:read',
    spoolcast: { operations: ['ARM', 'SOLD'] },
  });
});

test('no restriction flags, no spoolcast claim; both scopes at once', (t) => {
  const claims = buildClaims(
    parseTokenOptions(['--scope', 'spools:read', '--scope', 'spools:publish'], {}),
    0,
    'j',
  );
  t.is(claims.scope, 'spools:read spools:publish');
  t.false('spoolcast' in claims);
  t.false('iss' in claims);
});

test('a missing or unknown scope is a usage error', (t) => {
  t.throws(() => parseTokenOptions([], {}), {
    instanceOf: UsageError,
    message: /--scope is required/,
  });
  t.throws(() => parseTokenOptions(['--scope', 'spools:write'], {}), {
    instanceOf: UsageError,
    message: /got "spools:write"/,
  });
});
