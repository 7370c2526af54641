/**
 * Who is asking, from a verified token's claims (pure): the scopes it holds and what it may
 * see. `scope` is space-separated (RFC 8693 §4.2); the optional `spoolcast` claim
 * `{"operations": [...], "tag_prefixes": [...]}` narrows the events and spools its holder
 * sees. With auth off every caller is `ANYONE`.
 */

/** The scopes spoolcast knows: read the stream and the API, or publish. */
export const SCOPES = ['spools:read', 'spools:publish'] as const;

/** One of SCOPES. */
export type Scope = (typeof SCOPES)[number];

/** What a token narrows its holder to; a null list does not narrow, an empty one hides all. */
export interface Restriction {
  operations: readonly string[] | null;
  tagPrefixes: readonly string[] | null;
}

/** A verified caller. */
export interface Principal {
  /** `sub`, for per-subject limits; null when the token has none (or auth is off). */
  subject: string | null;
  scopes: ReadonlySet<string>;
  restriction: Restriction | null;
  /** When the token expires (epoch ms); null when it does not (or auth is off). */
  expiresAtMs: number | null;
}

/** The caller when auth is off: every scope, no restriction, no expiry. */
export const ANYONE: Principal = Object.freeze({
  subject: null,
  scopes: new Set<string>(SCOPES),
  restriction: null,
  expiresAtMs: null,
});

/** Most entries in one restriction list (a token is not a database). */
const MAX_RESTRICTION_TERMS = 100;

/** The principal of verified claims, or why the claims are unusable. */
export function principalOf(
  claims: Record<string, unknown>,
): { ok: true; principal: Principal } | { ok: false; detail: string } {
  const scope = claims.scope;
  if (scope !== undefined && typeof scope !== 'string') {
    return { ok: false, detail: 'scope must be a space-separated string' };
  }
  const restriction = restrictionOf(claims.spoolcast);
  if (typeof restriction === 'string') return { ok: false, detail: restriction };
  const exp = claims.exp;
  return {
    ok: true,
    principal: {
      subject: typeof claims.sub === 'string' ? claims.sub : null,
      scopes: new Set((scope ?? '').split(' ').filter((s) => s !== '')),
      restriction,
      expiresAtMs: typeof exp === 'number' ? exp * 1000 : null,
    },
  };
}

function restrictionOf(claim: unknown): Restriction | null | string {
  if (claim === undefined) return null;
  if (claim === null || typeof claim !== 'object' || Array.isArray(claim)) {
    return 'the spoolcast claim must be an object';
  }
  const { operations, tag_prefixes: tagPrefixes } = claim as Record<string, unknown>;
  const lists = { operations, tag_prefixes: tagPrefixes };
  for (const [name, list] of Object.entries(lists)) {
    if (list === undefined) continue;
    const isTexts =
      Array.isArray(list) &&
      list.length <= MAX_RESTRICTION_TERMS &&
      list.every((v) => typeof v === 'string' && v !== '');
    if (!isTexts) return `spoolcast.${name} must be a list of at most 100 non-empty strings`;
  }
  if (operations === undefined && tagPrefixes === undefined) return null;
  return {
    operations: (operations as string[] | undefined) ?? null,
    tagPrefixes: (tagPrefixes as string[] | undefined) ?? null,
  };
}

/** True when `principal` holds `scope`. */
export function hasScope(principal: Principal, scope: Scope): boolean {
  return principal.scopes.has(scope);
}
