/** `spoolcast token`, run as built, its output checked by jose the way the gateway will check it. */
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { decodeProtectedHeader, importJWK, jwtVerify } from 'jose';
import { tempDir } from '../helpers/daemon.js';
import { runSpoolcast } from './spoolcast-process.js';

const SECRET = 'a-shared-secret-of-at-least-32-bytes!';

test('HS256 with AUTH_JWT_SECRET: only the token is printed, and it verifies with the claims asked for', async (t) => {
  const run = await runSpoolcast(
    t,
    [
      'token',
      '--scope',
      'spools:read',
      '--tag-prefix',
      'SP-',
      '--operation',
      'ARM',
      '--subject',
      'tablet-7',
      '--ttl',
      '8h',
    ],
    { env: { AUTH_JWT_SECRET: SECRET, AUTH_ISSUER: 'https://plant', AUTH_AUDIENCE: 'spoolcast' } },
  );
  t.is(run.code, 0);
  t.regex(run.stdout, /^[\w-]+\.[\w-]+\.[\w-]+\n$/);
  const { payload, protectedHeader } = await jwtVerify(
    run.stdout.trim(),
    new TextEncoder().encode(SECRET),
    {
      issuer: 'https://plant',
      audience: 'spoolcast',
      algorithms: ['HS256'],
    },
  );
  t.is(protectedHeader.alg, 'HS256');
  t.like(payload, {
    sub: 'tablet-7',
    scope: 'spools:read',
    spoolcast: { operations: ['ARM'], tag_prefixes: ['SP-'] },
  });
  t.is((payload.exp ?? 0) - (payload.iat ?? 0), 8 * 3600);
  t.false((run.stdout + run.stderr).includes(SECRET));
});

test('a secret shorter than 32 bytes is refused, exit 1, and not echoed', async (t) => {
  const run = await runSpoolcast(t, ['token', '--scope', 'spools:publish'], {
    env: { AUTH_JWT_SECRET: 'short-secret' },
  });
  t.is(run.code, 1);
  t.is(run.stdout, '');
  t.regex(run.stderr, /AUTH_JWT_SECRET is 12 bytes; HS256 needs at least 32/);
  t.false(run.stderr.includes('short-secret'));
});

test('RS256 from a PEM file and ES256 from a JWK file (its kid in the header)', async (t) => {
  const dir = tempDir(t, 'token');
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  writeFileSync(path.join(dir, 'rsa.pem'), rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  writeFileSync(
    path.join(dir, 'ec.jwk'),
    JSON.stringify({ ...ec.privateKey.export({ format: 'jwk' }), kid: 'plant-ec-1' }),
  );
  const pem = await runSpoolcast(t, [
    'token',
    '--scope',
    'spools:read',
    '--private-key',
    path.join(dir, 'rsa.pem'),
    '--kid',
    'rsa-1',
  ]);
  const jwk = await runSpoolcast(t, [
    'token',
    '--scope',
    'spools:publish',
    '--private-key',
    path.join(dir, 'ec.jwk'),
  ]);
  const rsaCheck = await jwtVerify(pem.stdout.trim(), rsa.publicKey, { algorithms: ['RS256'] });
  const ecPublic = await importJWK(ec.publicKey.export({ format: 'jwk' }), 'ES256');
  const ecCheck = await jwtVerify(jwk.stdout.trim(), ecPublic, { algorithms: ['ES256'] });
  t.is(rsaCheck.protectedHeader.kid, 'rsa-1');
  t.is(ecCheck.payload.scope, 'spools:publish');
  t.is(decodeProtectedHeader(jwk.stdout.trim()).kid, 'plant-ec-1');
});

test('no key at all, or a key file that is not a private key, exits 1', async (t) => {
  const dir = tempDir(t, 'token');
  writeFileSync(
    path.join(dir, 'public.pem'),
    generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({
      type: 'spki',
      format: 'pem',
    }),
  );
  const none = await runSpoolcast(t, ['token', '--scope', 'spools:read']);
  const publicOnly = await runSpoolcast(t, [
    'token',
    '--scope',
    'spools:read',
    '--private-key',
    path.join(dir, 'public.pem'),
  ]);
  t.deepEqual([none.code, publicOnly.code], [1, 1]);
  t.regex(none.stderr, /set AUTH_JWT_SECRET \(HS256\) or give --private-key FILE/);
  t.regex(publicOnly.stderr, /holds no private key in PEM or JWK form/);
});
