/**
 * Keeps secrets out of every output: logs at every level, error messages, metrics. Pure.
 * Credentials reach us inside URLs (`redis://user:password@host`, `?access_token=…`), as
 * bearer tokens, and inside the commands ioredis attaches to its errors (`AUTH`, `HELLO …
 * AUTH`).
 */

// scheme://user:password@host — the password is whatever stands between the first ':'
// after the user and the last '@' before the host (an unencoded '@' in it is still hidden).
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s:@/]*):(\S*)@(?=[^\s@/]*(?:[/\s?#]|$))/gi;

// A token in a query string (`?access_token=…`), after `Bearer`, or anything shaped like a
// JWT (three base64url parts, the first a JSON header: `eyJ…`).
const QUERY_TOKEN = /([?&]access_token=)[^&\s#"']+/gi;
const BEARER = /\b(Bearer\s+)[A-Za-z0-9._~+/=-]+/gi;
const JWT = /\beyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*/g;

/** `text` with URL passwords and bearer tokens (JWTs) replaced by `***`. */
export function redactSecrets(text: string): string {
  return text
    .replace(URL_CREDENTIALS, (_match, scheme: string, user: string) => `${scheme}${user}:***@`)
    .replace(QUERY_TOKEN, '$1***')
    .replace(BEARER, '$1***')
    .replace(JWT, '***');
}

/** Commands whose arguments can carry a password. */
const SECRET_COMMANDS = new Set(['auth', 'hello', 'migrate', 'config', 'acl']);

/**
 * A copy of a serialised error safe to log: no URL passwords in its strings, and no
 * arguments of commands that can carry credentials (ioredis attaches `command.args`).
 */
export function redactError(error: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(error)) {
    if (key === 'command' && value && typeof value === 'object') {
      const command = value as { name?: unknown; args?: unknown };
      const name = String(command.name ?? '').toLowerCase();
      out.command = SECRET_COMMANDS.has(name) ? { name, args: '[redacted]' } : { name };
    } else if (typeof value === 'string') out[key] = redactSecrets(value);
    else if (value && typeof value === 'object' && !Array.isArray(value)) {
      out[key] = redactError(value as Record<string, unknown>);
    } else out[key] = value;
  }
  return out;
}
