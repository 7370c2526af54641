/**
 * JWT auth on a real gateway: every presentation (header, cookie, query) with a good,
 * expired, forged, `alg: none`, wrong-issuer and wrong-audience token on every protected
 * route; scopes; the open routes stay open.
 */
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import test from 'ava';
import { exportJWK } from 'jose';
import { checkedFetch } from '../helpers/api-contract.js';
import { tempDir } from '../helpers/daemon.js';
import { metricValue, spoolEvent, startGateway } from '../helpers/gateway.js';
import { hsToken, keyPair, TEST_SECRET, unsignedToken } from '../helpers/tokens.js';

const AUTH = {
  AUTH_JWT_SECRET: TEST_SECRET,
  AUTH_ISSUER: 'https://id.plant.example',
  AUTH_AUDIENCE: 'spoolcast',
  AUTH_QUERY_TOKEN: 'true',
  AUTH_CLOCK_SKEW_S: '0',
};
const GOOD = {
  iss: AUTH.AUTH_ISSUER,
  aud: AUTH.AUTH_AUDIENCE,
  scope: 'spools:read spools:publish',
};

type Presentation = 'header' | 'cookie' | 'query';
const ROUTES = {
  stream: { method: 'GET', path: '/api/sse/stream', ok: 200 },
  spools: { method: 'GET', path: '/api/spools', ok: 200 },
  events: { method: 'POST', path: '/api/events', ok: 202 },
} as const;

/** The status a route answers a request presenting `token` the given way. */
async function statusOf(
  url: string,
  route: keyof typeof ROUTES,
  token: string | null,
  via: Presentation,
) {
  const { method, path: routePath } = ROUTES[route];
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  let target = `${url}${routePath}`;
  if (token !== null && via === 'header') headers.authorization = `Bearer ${token}`;
  if (token !== null && via === 'cookie') headers.cookie = `spoolcast_token=${token}`;
  if (token !== null && via === 'query') target += `?access_token=${token}`;
  const controller = new AbortController();
  const response = await checkedFetch(target, {
    method,
    headers,
    signal: controller.signal,
    ...(method === 'POST' ? { body: spoolEvent(1) } : {}),
  });
  controller.abort();
  return { status: response.status, challenge: response.headers.get('www-authenticate') };
}

test('every presentation: a good token passes; expired, forged, unsigned, other issuer or audience get 401', async (t) => {
  const gateway = await startGateway(t, AUTH);
  const tokens: [string, string, number | 'ok'][] = [
    ['good', await hsToken(GOOD), 'ok'],
    ['expired', await hsToken({ ...GOOD, expiresInS: -60 }), 401],
    ['forged', await hsToken(GOOD, 'another-secret-0123456789-abcdefghijklmnop'), 401],
    ['alg none', unsignedToken(GOOD), 401],
    ['wrong issuer', await hsToken({ ...GOOD, iss: 'https://evil.example' }), 401],
    ['wrong audience', await hsToken({ ...GOOD, aud: 'other-app' }), 401],
  ];
  for (const route of Object.keys(ROUTES) as (keyof typeof ROUTES)[]) {
    for (const via of ['header', 'cookie', 'query'] as const) {
      for (const [name, token, expected] of tokens) {
        const { status, challenge } = await statusOf(gateway.url, route, token, via);
        t.is(status, expected === 'ok' ? ROUTES[route].ok : expected, `${route} ${via} ${name}`);
        if (status === 401) t.regex(challenge ?? '', /^Bearer realm="spoolcast"/);
      }
    }
  }
  t.is(
    await metricValue(gateway, 'spoolcast_auth_refused_total', {
      route: 'events',
      reason: 'expired',
    }),
    3,
  );
});

test('no token gets 401 with a bare Bearer challenge and a JSON reason; health and the dashboard stay open', async (t) => {
  const gateway = await startGateway(t, AUTH);
  const response = await checkedFetch(`${gateway.url}/api/spools`);
  t.is(response.status, 401);
  t.is(response.headers.get('www-authenticate'), 'Bearer realm="spoolcast"');
  t.like(await response.json(), { error: 'unauthorized', reason: 'missing' });
  for (const open of ['/healthz', '/readyz', '/metrics', '/']) {
    t.is((await checkedFetch(`${gateway.url}${open}`)).status, 200, open);
  }
});

test("a token without the route's scope gets 403 naming it", async (t) => {
  const gateway = await startGateway(t, AUTH);
  const reader = await hsToken({ ...GOOD, scope: 'spools:read' });
  const publisher = await hsToken({ ...GOOD, scope: 'spools:publish' });
  t.is((await statusOf(gateway.url, 'events', reader, 'header')).status, 403);
  t.is((await statusOf(gateway.url, 'spools', reader, 'header')).status, 200);
  const refused = await checkedFetch(`${gateway.url}/api/spools`, {
    headers: { authorization: `Bearer ${publisher}` },
  });
  t.is(refused.status, 403);
  t.like(await refused.json(), { error: 'forbidden', reason: 'insufficient_scope' });
  t.regex(
    refused.headers.get('www-authenticate') ?? '',
    /error="insufficient_scope", scope="spools:read"/,
  );
});

test('a query token is refused unless AUTH_QUERY_TOKEN allows it', async (t) => {
  const gateway = await startGateway(t, { ...AUTH, AUTH_QUERY_TOKEN: 'false' });
  const token = await hsToken(GOOD);
  const response = await checkedFetch(`${gateway.url}/api/spools?access_token=${token}`);
  t.is(response.status, 401);
  t.like(await response.json(), { reason: 'query_token_not_allowed' });
});

test('RS256 and ES256 keys from a JWKS file; an HMAC token keyed with the public key is refused', async (t) => {
  const rs = await keyPair('RS256');
  const es = await keyPair('ES256');
  const file = path.join(tempDir(t, 'jwks'), 'jwks.json');
  writeFileSync(file, JSON.stringify({ keys: [...rs.jwks.keys, ...es.jwks.keys] }));
  const gateway = await startGateway(t, { AUTH_JWKS_FILE: file });
  const get = async (token: string) =>
    (
      await checkedFetch(`${gateway.url}/api/spools`, {
        headers: { authorization: `Bearer ${token}` },
      })
    ).status;
  t.is(await get(await rs.sign()), 200);
  t.is(await get(await es.sign()), 200);
  // HS/RS confusion: the attacker knows the public key and uses it as an HMAC secret.
  const publicJwk = JSON.stringify(await exportJWK(rs.publicKey));
  t.is(await get(await hsToken({}, publicJwk)), 401);
  t.is(await get(unsignedToken()), 401);
});

test('keys from a JWKS URL', async (t) => {
  const pair = await keyPair('ES256');
  const jwksServer = createServer((_req, res) => res.end(JSON.stringify(pair.jwks)));
  await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
  t.teardown(() => jwksServer.close());
  const jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks.json`;
  const gateway = await startGateway(t, { AUTH_JWKS_URL: jwksUrl });
  const response = await checkedFetch(`${gateway.url}/api/spools`, {
    headers: { authorization: `Bearer ${await pair.sign()}` },
  });
  t.is(response.status, 200);
});
