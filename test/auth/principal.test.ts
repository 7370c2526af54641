import test from 'ava';
import { hasScope, principalOf } from '../../src/auth/principal.js';

test('scopes, subject, restriction and expiry come from the claims', (t) => {
  const result = principalOf({
    sub: 'tablet-7',
    scope: 'spools:read  other',
    exp: 2_000_000_000,
    spoolcast: { operations: ['ARM'], tag_prefixes: ['PL1-'] },
  });
  if (!result.ok) return t.fail(result.detail);
  const { principal } = result;
  t.is(principal.subject, 'tablet-7');
  t.true(hasScope(principal, 'spools:read'));
  t.false(hasScope(principal, 'spools:publish'));
  t.deepEqual(principal.restriction, { operations: ['ARM'], tagPrefixes: ['PL1-'] });
  t.is(principal.expiresAtMs, 2_000_000_000_000);
});

test('no spoolcast claim does not narrow; a malformed one is refused', (t) => {
  t.like(principalOf({ scope: 'spools:read' }), { ok: true, principal: { restriction: null } });
  for (const spoolcast of [
    null,
    [],
    'ARM',
    { operations: 'ARM' },
    { tag_prefixes: [''] },
    { operations: [1] },
  ]) {
    t.like(
      principalOf({ scope: 'spools:read', spoolcast }),
      { ok: false },
      JSON.stringify(spoolcast),
    );
  }
  t.like(principalOf({ scope: ['spools:read'] }), { ok: false });
});
