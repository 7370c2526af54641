/**
 * Verifies a token with jose against the configured key: HS256 with `AUTH_JWT_SECRET`, or
 * RS256/ES256 with the keys of `AUTH_JWKS_URL` or `AUTH_JWKS_FILE`. Only the configured
 * family of algorithms is accepted, so `alg: none` and HS/RS confusion (a public key used
 * as an HMAC secret) are refused; `iss` and `aud` are checked when set, `exp` and `nbf`
 * with the configured clock skew. Failures are values with a closed set of reasons.
 */
import { readFileSync } from 'node:fs';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  type JSONWebKeySet,
  type JWTVerifyGetKey,
  jwtVerify,
} from 'jose';
import type { Config } from '../config.js';
import { type Principal, principalOf } from './principal.js';

/** The settings auth reads. */
export type AuthSettings = Pick<
  Config,
  | 'authJwtSecret'
  | 'authJwksUrl'
  | 'authJwksFile'
  | 'authIssuer'
  | 'authAudience'
  | 'authClockSkewMs'
>;

/** Every token problem, for pre-registering metric labels. */
export const TOKEN_PROBLEMS = [
  'malformed',
  'bad_signature',
  'unsupported_alg',
  'unknown_key',
  'expired',
  'not_yet_valid',
  'wrong_issuer',
  'wrong_audience',
  'invalid_claims',
  'keys_unavailable',
] as const;

/** Why a token is refused (a metric label: closed). */
export type TokenProblem = (typeof TOKEN_PROBLEMS)[number];

/** A verified principal, or why not (`detail` is safe to show: it never holds the token). */
export type Verified =
  | { ok: true; principal: Principal }
  | { ok: false; problem: TokenProblem; detail: string };

/** Verifies tokens. */
export type Verify = (token: string) => Promise<Verified>;

/** True when the settings turn auth on (a key is configured). */
export function isAuthOn(settings: AuthSettings): boolean {
  return Boolean(settings.authJwtSecret || settings.authJwksUrl || settings.authJwksFile);
}

/** Creates the verifier for the configured key; throws when a JWKS file cannot be read. */
export function createVerifier(settings: AuthSettings): Verify {
  const { key, algorithms } = keyOf(settings);
  const skewS = Math.round(settings.authClockSkewMs / 1000);
  const options = {
    algorithms,
    clockTolerance: skewS,
    ...(settings.authIssuer ? { issuer: settings.authIssuer } : {}),
    ...(settings.authAudience ? { audience: settings.authAudience } : {}),
  };
  return async (token) => {
    try {
      const { payload } = await jwtVerify(token, key, options);
      const principal = principalOf(payload as Record<string, unknown>);
      if (!principal.ok) return { ok: false, problem: 'invalid_claims', detail: principal.detail };
      // One expiry rule: a token the door accepts until exp + skew keeps its stream open
      // until then too, so a reconnect with the same token is never let in and cut at once.
      const { expiresAtMs } = principal.principal;
      if (expiresAtMs === null) return principal;
      return {
        ok: true,
        principal: { ...principal.principal, expiresAtMs: expiresAtMs + skewS * 1000 },
      };
    } catch (error) {
      return problemOf(error as { code?: string; claim?: string });
    }
  };
}

function keyOf(settings: AuthSettings): { key: JWTVerifyGetKey; algorithms: string[] } {
  if (settings.authJwtSecret) {
    const secret = new TextEncoder().encode(settings.authJwtSecret);
    return { key: async () => secret, algorithms: ['HS256'] };
  }
  const asymmetric = ['RS256', 'ES256'];
  if (settings.authJwksUrl) {
    return { key: createRemoteJWKSet(new URL(settings.authJwksUrl)), algorithms: asymmetric };
  }
  if (settings.authJwksFile) {
    const jwks = JSON.parse(readFileSync(settings.authJwksFile, 'utf8')) as JSONWebKeySet;
    return { key: createLocalJWKSet(jwks), algorithms: asymmetric };
  }
  throw new Error('auth is off: no key configured');
}

function problemOf(error: { code?: string; claim?: string }): Verified {
  const refuse = (problem: TokenProblem, detail: string): Verified => ({
    ok: false,
    problem,
    detail,
  });
  switch (error.code) {
    case 'ERR_JWT_EXPIRED':
      return refuse('expired', 'the token has expired');
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      if (error.claim === 'iss') return refuse('wrong_issuer', 'the token has another issuer');
      if (error.claim === 'aud')
        return refuse('wrong_audience', 'the token is for another audience');
      if (error.claim === 'nbf') return refuse('not_yet_valid', 'the token is not valid yet');
      return refuse('invalid_claims', `the token's ${error.claim ?? 'claims'} claim is invalid`);
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
    case 'ERR_JOSE_NOT_SUPPORTED':
      return refuse(
        'unsupported_alg',
        'the token is signed with an algorithm this gateway refuses',
      );
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return refuse('bad_signature', 'the token signature does not verify');
    case 'ERR_JWKS_NO_MATCHING_KEY':
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
      return refuse('unknown_key', 'no configured key matches the token');
    case 'ERR_JWS_INVALID':
    case 'ERR_JWT_INVALID':
    case 'ERR_JOSE_GENERIC':
      return refuse('malformed', 'the token is not a well-formed JWT');
    default:
      // A JWKS endpoint that times out, fails or answers garbage: ours, not the caller's.
      return refuse('keys_unavailable', 'the signing keys could not be fetched');
  }
}
