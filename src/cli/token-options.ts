/**
 * `spoolcast token` arguments → the claims of a subscriber or publisher JWT (docs/contract.md §3.1:
 * `scope`, and the optional `spoolcast` restriction `{operations, tag_prefixes}`). Pure.
 */
import { SCOPES } from '../auth/principal.js';
import { parseCommandLine, UsageError } from './usage-error.js';

/** Longest lifetime `--ttl` accepts, in seconds (366 days). */
export const MAX_TTL_S = 366 * 24 * 3600;
/** The lifetime when `--ttl` is not given, in seconds (1 h). */
export const DEFAULT_TTL_S = 3600;

/** A parsed `token` command line. */
export interface TokenOptions {
  scopes: string[];
  operations: string[];
  tagPrefixes: string[];
  subject: string | null;
  ttlSeconds: number;
  issuer: string | null;
  audience: string | null;
  /** PEM or JWK file of an RS256/ES256 private key; null = HS256 with AUTH_JWT_SECRET. */
  privateKeyFile: string | null;
  kid: string | null;
}

/** Parses `token` arguments (after the subcommand); throws UsageError on a bad line. */
export function parseTokenOptions(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): TokenOptions {
  const { values } = parseCommandLine({
    args: [...args],
    allowPositionals: false,
    options: {
      scope: { type: 'string', multiple: true },
      operation: { type: 'string', multiple: true },
      'tag-prefix': { type: 'string', multiple: true },
      subject: { type: 'string' },
      ttl: { type: 'string' },
      issuer: { type: 'string' },
      audience: { type: 'string' },
      'private-key': { type: 'string' },
      kid: { type: 'string' },
    },
  });
  const scopes = [...new Set(values.scope ?? [])];
  if (scopes.length === 0) throw new UsageError(`--scope is required: ${SCOPES.join(' or ')}`);
  for (const scope of scopes) {
    if (!(SCOPES as readonly string[]).includes(scope)) {
      throw new UsageError(`--scope must be ${SCOPES.join(' or ')}, got "${scope}"`);
    }
  }
  return {
    scopes,
    operations: nonBlank(values.operation, 'operation'),
    tagPrefixes: nonBlank(values['tag-prefix'], 'tag-prefix'),
    subject: values.subject ?? null,
    ttlSeconds: values.ttl === undefined ? DEFAULT_TTL_S : parseTtl(values.ttl),
    issuer: values.issuer ?? blankToNull(env.AUTH_ISSUER),
    audience: values.audience ?? blankToNull(env.AUTH_AUDIENCE),
    privateKeyFile: values['private-key'] ?? null,
    kid: values.kid ?? null,
  };
}

/** `90s`, `15m`, `8h`, `7d` or plain seconds → seconds; throws UsageError outside 1 s–366 d. */
export function parseTtl(text: string): number {
  const match = /^(\d+)([smhd]?)$/.exec(text.trim());
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86_400 }[match?.[2] ?? ''] ?? 1;
  const seconds = Number(match?.[1]) * unit;
  if (!match || seconds < 1 || seconds > MAX_TTL_S) {
    throw new UsageError(`--ttl must be like 90s, 15m, 8h or 7d (at most 366d), got "${text}"`);
  }
  return seconds;
}

/** The JWT claims for `options` issued at `nowSeconds`: only what was asked for, no empty lists. */
export function buildClaims(
  options: TokenOptions,
  nowSeconds: number,
  jti: string,
): Record<string, unknown> {
  const restriction = {
    ...(options.operations.length > 0 ? { operations: options.operations } : {}),
    ...(options.tagPrefixes.length > 0 ? { tag_prefixes: options.tagPrefixes } : {}),
  };
  return {
    ...(options.issuer === null ? {} : { iss: options.issuer }),
    ...(options.subject === null ? {} : { sub: options.subject }),
    ...(options.audience === null ? {} : { aud: options.audience }),
    iat: nowSeconds,
    exp: nowSeconds + options.ttlSeconds,
    jti,
    scope: options.scopes.join(' '),
    // An empty list would read as "nothing allowed": a restriction names only what narrows.
    ...(Object.keys(restriction).length > 0 ? { spoolcast: restriction } : {}),
  };
}

function nonBlank(values: string[] | undefined, flag: string): string[] {
  const list = values ?? [];
  if (list.some((value) => value.trim() === '')) throw new UsageError(`--${flag} needs a value`);
  return [...new Set(list)];
}

function blankToNull(value: string | undefined): string | null {
  return value === undefined || value.trim() === '' ? null : value;
}
