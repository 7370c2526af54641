/**
 * The key `spoolcast token` signs with: HS256 from AUTH_JWT_SECRET (at least 32 bytes, as
 * the gateway requires), or an RS256/ES256 private key from a PEM or JWK file.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';

/** Shortest HS256 secret accepted, in bytes (RFC 7518 §3.2: at least the hash size). */
export const MIN_SECRET_BYTES = 32;

/** A key ready for jose, with its algorithm and key id; or why there is none. */
export type SigningKey =
  | { ok: true; alg: 'HS256' | 'RS256' | 'ES256'; key: Uint8Array | KeyObject; kid: string | null }
  | { ok: false; message: string };

/** The HS256 key from `secret` (AUTH_JWT_SECRET), refused when missing or shorter than 32 bytes. */
export function secretKey(secret: string | undefined, kid: string | null): SigningKey {
  if (secret === undefined || secret === '') {
    return { ok: false, message: 'no key: set AUTH_JWT_SECRET (HS256) or give --private-key FILE' };
  }
  const key = new TextEncoder().encode(secret);
  if (key.length < MIN_SECRET_BYTES) {
    return {
      ok: false,
      message: `AUTH_JWT_SECRET is ${key.length} bytes; HS256 needs at least ${MIN_SECRET_BYTES}`,
    };
  }
  return { ok: true, alg: 'HS256', key, kid };
}

/** The private key in `file` (PEM, or a JWK as JSON): RSA → RS256, EC P-256 → ES256. */
export async function privateKeyFromFile(file: string, kid: string | null): Promise<SigningKey> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    return {
      ok: false,
      message: `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
    };
  }
  let key: KeyObject;
  let jwkKid: string | null = null;
  try {
    if (text.trimStart().startsWith('{')) {
      const jwk = JSON.parse(text) as { kid?: unknown };
      jwkKid = typeof jwk.kid === 'string' ? jwk.kid : null;
      key = createPrivateKey({ key: jwk as never, format: 'jwk' });
    } else {
      key = createPrivateKey(text);
    }
  } catch {
    // The reason could quote the key material: say only what the file is not.
    return { ok: false, message: `${file} holds no private key in PEM or JWK form` };
  }
  const type = key.asymmetricKeyType;
  const curve = key.asymmetricKeyDetails?.namedCurve;
  const alg = type === 'rsa' ? 'RS256' : type === 'ec' && curve === 'prime256v1' ? 'ES256' : null;
  if (alg === null) {
    return {
      ok: false,
      message: `${file} is a ${type ?? 'unknown'}${curve ? ` ${curve}` : ''} key; use RSA (RS256) or EC P-256 (ES256)`,
    };
  }
  return { ok: true, alg, key, kid: kid ?? jwkKid };
}
