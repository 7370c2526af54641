/**
 * Keeps secrets out of the command's output (docs/contract.md §4 "No secret in any output").
 * Pure: a setting is secret by name, a URL's password is always hidden, and free text can be
 * scrubbed of known secret values.
 */
import { redactSecrets } from '../observability/redact.js';

/** What a hidden value prints as. */
export const MASK = '***';

/** Names whose value is a secret: passwords today, auth keys and tokens as they arrive. */
const SECRET_NAME = /SECRET|PASSWORD|TOKEN|PRIVATE_KEY/i;

/** True when the setting `name` holds a secret (REDIS_PASSWORD, AUTH_JWT_SECRET, …). */
export function isSecretSetting(name: string): boolean {
  return SECRET_NAME.test(name);
}

/** The value of setting `name` safe to print: `***` for a secret that is set, else URL passwords hidden. */
export function maskSettingValue(name: string, value: string): string {
  if (isSecretSetting(name)) return value === '' ? '' : MASK;
  return redactSecrets(value);
}

/** The secret values set in `env` (non-empty values of secret-named variables). */
export function secretValues(env: Readonly<Record<string, string | undefined>>): string[] {
  return Object.entries(env)
    .filter(([name, value]) => isSecretSetting(name) && value !== undefined && value !== '')
    .map(([, value]) => value as string);
}

/**
 * `text` with every URL password and every occurrence of a value in `secrets` replaced by
 * `***` (longest first, so a secret that contains another is hidden whole).
 */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let out = redactSecrets(text);
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    out = out.split(secret).join(MASK);
  }
  return out;
}
