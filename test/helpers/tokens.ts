/**
 * Tokens for the auth tests, signed with jose the way an identity provider would: HS256
 * with a test secret, RS256/ES256 with generated key pairs published as a JWKS.
 */
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';

/** The HS256 secret test gateways run with (`AUTH_JWT_SECRET`). */
export const TEST_SECRET = 'test-secret-0123456789-abcdefghijklmnop';

/** Claims a test token carries; `expiresInS` may be negative (already expired). */
export interface TokenClaims {
  scope?: string;
  sub?: string;
  iss?: string;
  aud?: string;
  spoolcast?: unknown;
  expiresInS?: number;
  notBeforeInS?: number;
}

/** An HS256 token signed with `secret` (default TEST_SECRET). */
export async function hsToken(claims: TokenClaims = {}, secret = TEST_SECRET): Promise<string> {
  return sign(
    claims,
    new SignJWT(body(claims)).setProtectedHeader({ alg: 'HS256' }),
    new TextEncoder().encode(secret),
  );
}

/** An asymmetric key pair whose public half is a JWKS, for `AUTH_JWKS_FILE`/`_URL`. */
export async function keyPair(alg: 'RS256' | 'ES256', kid = `${alg}-test`) {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return {
    jwks: { keys: [jwk] },
    publicKey,
    sign: (claims: TokenClaims = {}) =>
      sign(claims, new SignJWT(body(claims)).setProtectedHeader({ alg, kid }), privateKey),
  };
}

/** An unsigned token (`alg: none`) with the claims: what an attacker would send. */
export function unsignedToken(claims: TokenClaims = {}): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return `${part({ alg: 'none', typ: 'JWT' })}.${part({ ...body(claims), exp: now + 3600 })}.`;
}

function body(claims: TokenClaims): Record<string, unknown> {
  const { expiresInS: _e, notBeforeInS: _n, ...rest } = claims;
  return { scope: 'spools:read', ...rest };
}

async function sign(
  claims: TokenClaims,
  jwt: SignJWT,
  key: Parameters<SignJWT['sign']>[0],
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  jwt.setIssuedAt(now).setExpirationTime(now + (claims.expiresInS ?? 3600));
  if (claims.notBeforeInS !== undefined) jwt.setNotBefore(now + claims.notBeforeInS);
  return jwt.sign(key);
}
