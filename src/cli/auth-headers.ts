/**
 * How a token reaches the gateway (docs/contract.md §3.1): `Authorization: Bearer` by default, or a
 * cookie. The token comes from `--token` or SPOOLCAST_TOKEN and is never printed.
 */

/** The token from `--token`, else the SPOOLCAST_TOKEN variable; null when neither is set. */
export function resolveToken(
  flag: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): string | null {
  const token = flag ?? env.SPOOLCAST_TOKEN;
  return token === undefined || token.trim() === '' ? null : token.trim();
}

/** The request headers carrying `token`: a Bearer header, or the cookie `cookieName` when given. */
export function authHeaders(
  token: string | null,
  cookieName: string | null = null,
): Record<string, string> {
  if (token === null) return {};
  if (cookieName !== null) return { cookie: `${cookieName}=${token}` };
  return { authorization: `Bearer ${token}` };
}
