/**
 * One expiry rule: the door accepts a token until `exp` + skew, and the principal it lets
 * in expires at that same moment, so a stream opened with a token inside the skew is not
 * cut at once (and reopened, and cut, in a loop).
 */
import test from 'ava';
import { decodeJwt } from 'jose';
import { createVerifier } from '../../src/auth/verifier.js';
import { hsToken, TEST_SECRET } from '../helpers/tokens.js';

const verifier = (skewS: number) =>
  createVerifier({
    authJwtSecret: TEST_SECRET,
    authJwksUrl: null,
    authJwksFile: null,
    authIssuer: null,
    authAudience: null,
    authClockSkewMs: skewS * 1000,
  });

test('a token past exp but inside the skew is let in, and its principal expires at exp + skew', async (t) => {
  const token = await hsToken({ scope: 'spools:read', expiresInS: -5 });
  const verified = await verifier(30)(token);
  if (!verified.ok) return t.fail(`refused: ${verified.detail}`);
  t.is(verified.principal.expiresAtMs, ((decodeJwt(token).exp as number) + 30) * 1000);
});

test('past exp + skew the same token is refused as expired', async (t) => {
  const token = await hsToken({ scope: 'spools:read', expiresInS: -5 });
  const verified = await verifier(2)(token);
  t.like(verified, { ok: false, problem: 'expired' });
});
