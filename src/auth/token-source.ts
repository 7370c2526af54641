/**
 * Where a request's token is (pure): `Authorization: Bearer`, else the cookie
 * (`AUTH_COOKIE_NAME`, what an EventSource on the same site sends), else — only when
 * `AUTH_QUERY_TOKEN` allows it — `access_token` in the query (EventSource cannot set
 * headers; the query token never reaches a log line, an error or a metric).
 */

/** How the token came. */
export type TokenVia = 'header' | 'cookie' | 'query';

/** What a request carries. */
export interface TokenCarrier {
  authorization: string | undefined;
  cookie: string | undefined;
  queryToken: string | undefined;
}

/** The token, or why there is no usable one. */
export type FoundToken =
  | { kind: 'token'; token: string; via: TokenVia }
  | { kind: 'none' }
  | { kind: 'refused'; reason: 'malformed' | 'query_token_not_allowed' };

/** Finds the token in `carrier` under the given cookie name and query policy. */
export function findToken(
  carrier: TokenCarrier,
  options: { cookieName: string; isQueryAllowed: boolean },
): FoundToken {
  if (carrier.authorization !== undefined) {
    const match = /^Bearer +([A-Za-z0-9._~+/-]+=*) *$/i.exec(carrier.authorization);
    return match
      ? { kind: 'token', token: match[1] as string, via: 'header' }
      : refused('malformed');
  }
  const cookie = cookieValue(carrier.cookie, options.cookieName);
  if (cookie !== undefined && cookie !== '') return { kind: 'token', token: cookie, via: 'cookie' };
  if (carrier.queryToken !== undefined) {
    if (!options.isQueryAllowed) return refused('query_token_not_allowed');
    return carrier.queryToken === ''
      ? refused('malformed')
      : { kind: 'token', token: carrier.queryToken, via: 'query' };
  }
  return { kind: 'none' };
}

function refused(reason: 'malformed' | 'query_token_not_allowed'): FoundToken {
  return { kind: 'refused', reason };
}

/** The value of cookie `name` in a `Cookie` header, or undefined. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const pair of header.split(';')) {
    const at = pair.indexOf('=');
    if (at > 0 && pair.slice(0, at).trim() === name) return pair.slice(at + 1).trim();
  }
  return undefined;
}
