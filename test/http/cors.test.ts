import test from 'ava';
import { loadConfig } from '../../src/config.js';
import { type CorsRequest, decideCors } from '../../src/http/cors.js';
import { checkedFetch } from '../helpers/api-contract.js';
import { metricValue, startGateway } from '../helpers/gateway.js';

const APP = 'http://app.plant.test:3000';
const policy = { origins: [APP], allowCredentials: false };
const request = (over: Partial<CorsRequest>): CorsRequest => ({
  method: 'GET',
  path: '/api/sse/stream',
  origin: APP,
  host: 'gateway.plant.test:8000',
  requestMethod: undefined,
  ...over,
});

test('an allowed origin gets its own origin back, never a wildcard', (t) => {
  t.deepEqual(decideCors(request({}), policy), {
    kind: 'allowed',
    isPreflight: false,
    headers: {
      'Access-Control-Allow-Origin': APP,
      'Access-Control-Expose-Headers':
        'Idempotent-Replayed, Retry-After, WWW-Authenticate, ETag, Stream-Next-Offset, Stream-Up-To-Date, Stream-Cursor',
    },
  });
});

test('a preflight for a JSON POST with Idempotency-Key is allowed, and credentials when configured', (t) => {
  const decision = decideCors(
    request({ method: 'OPTIONS', path: '/api/events', requestMethod: 'POST' }),
    { ...policy, allowCredentials: true },
  );
  t.deepEqual(decision, {
    kind: 'allowed',
    isPreflight: true,
    headers: {
      'Access-Control-Allow-Origin': APP,
      'Access-Control-Allow-Credentials': 'true',
      'Access-Control-Allow-Methods': 'POST',
      'Access-Control-Allow-Headers':
        'Authorization, Content-Type, Idempotency-Key, Last-Event-ID, If-None-Match',
      'Access-Control-Max-Age': '600',
    },
  });
});

test('an origin not on the list is refused; a preflight or POST is answered, a GET served', (t) => {
  const other = { origin: 'http://evil.test' };
  t.deepEqual(decideCors(request(other), policy), {
    kind: 'refused',
    route: 'stream',
    isAnswered: false,
  });
  t.like(decideCors(request({ ...other, method: 'POST', path: '/api/events' }), policy), {
    kind: 'refused',
    route: 'events',
    isAnswered: true,
  });
  t.like(decideCors(request({ ...other, method: 'OPTIONS', requestMethod: 'GET' }), policy), {
    isAnswered: true,
  });
});

test('same-origin, no Origin, and other routes need no CORS', (t) => {
  const empty = { origins: [], allowCredentials: false };
  t.is(decideCors(request({ origin: 'https://gateway.plant.test:8000' }), empty).kind, 'none');
  t.is(decideCors(request({ origin: undefined }), empty).kind, 'none');
  t.is(decideCors(request({ path: '/metrics', origin: 'http://evil.test' }), empty).kind, 'none');
  t.is(decideCors(request({}), empty).kind, 'refused');
});

test('CORS_ORIGINS takes exact origins and refuses anything else by name', (t) => {
  const config = loadConfig({ CORS_ORIGINS: ' http://a.test:3000 , https://b.test ,' });
  t.deepEqual(config.corsOrigins, ['http://a.test:3000', 'https://b.test']);
  t.false(config.corsAllowCredentials);
  t.deepEqual(loadConfig({}).corsOrigins, []);
  t.true(loadConfig({ CORS_ALLOW_CREDENTIALS: 'true' }).corsAllowCredentials);
  for (const bad of ['https://b.test/', 'https://B.test', '*', 'b.test', 'ftp://b.test']) {
    t.throws(() => loadConfig({ CORS_ORIGINS: bad }), { message: /CORS_ORIGINS/ });
  }
  t.throws(() => loadConfig({ CORS_ALLOW_CREDENTIALS: 'maybe' }), {
    message: /CORS_ALLOW_CREDENTIALS/,
  });
});

test('the gateway answers an allowed preflight and counts a refused origin', async (t) => {
  const gateway = await startGateway(t, { CORS_ORIGINS: APP });
  const preflight = await checkedFetch(`${gateway.url}/api/events`, {
    method: 'OPTIONS',
    headers: {
      Origin: APP,
      'Access-Control-Request-Method': 'POST',
      'Access-Control-Request-Headers': 'content-type, idempotency-key',
    },
  });
  t.is(preflight.status, 204);
  t.is(preflight.headers.get('access-control-allow-origin'), APP);
  t.regex(preflight.headers.get('access-control-allow-headers') ?? '', /Idempotency-Key/);
  const spools = await checkedFetch(`${gateway.url}/api/spools`, { headers: { Origin: APP } });
  t.is(spools.headers.get('access-control-allow-origin'), APP);
  t.regex(spools.headers.get('vary') ?? '', /Origin/);

  const refused = await checkedFetch(`${gateway.url}/api/events`, {
    method: 'POST',
    headers: { Origin: 'http://evil.test', 'content-type': 'application/json' },
    body: '{"event_type":"TOMAR","tag_spool":"X"}',
  });
  t.is(refused.status, 403);
  t.is(refused.headers.get('access-control-allow-origin'), null);
  const snapshot = await checkedFetch(`${gateway.url}/api/spools`, {
    headers: { Origin: 'http://evil.test' },
  });
  t.is(snapshot.headers.get('access-control-allow-origin'), null);
  t.is(await metricValue(gateway, 'spoolcast_cors_refused_total', { route: 'events' }), 1);
  t.is(await metricValue(gateway, 'spoolcast_cors_refused_total', { route: 'spools' }), 1);
  t.deepEqual((await (await checkedFetch(`${gateway.url}/api/spools`)).json()).spools, []);
});
