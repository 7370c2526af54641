/**
 * npm test's first step on a machine that lacks a package: as root with apt-get it installs
 * (proved by CI's fresh machines); otherwise one message names every missing package, what
 * it is for, and the apt-get line, and nothing is run. Fake packages, so nothing is installed.
 */
import { readFileSync } from 'node:fs';
import test from 'ava';
import { ensureSystemPackages, type SystemPackage } from '../../support/system-packages.js';

const missing = (debian: string, usedFor: string): SystemPackage => ({
  debian,
  usedFor,
  isPresent: () => false,
});
const present: SystemPackage = { debian: 'coreutils', usedFor: 'x', isPresent: () => true };
const WANTED = [present, missing('nginx', 'proxy tests'), missing('chromium', 'browser tests')];

test('without root: one message naming each missing package, why, and the apt-get line', async (t) => {
  const said: string[] = [];
  const outcome = await ensureSystemPackages(WANTED, (line) => said.push(line), {
    isRoot: false,
    hasAptGet: true,
  });
  t.is(outcome.kind, 'cannot_install');
  const message = outcome.kind === 'cannot_install' ? outcome.message : '';
  t.regex(message, /this is not root/);
  t.regex(message, /^ {2}nginx +proxy tests$/m);
  t.regex(message, /^ {2}chromium +browser tests$/m);
  t.regex(message, /apt-get update && apt-get install -y --no-install-recommends nginx chromium$/m);
  t.false(message.includes('coreutils'), 'only what is missing');
  t.deepEqual(said, [], 'nothing was attempted');
});

test('as root without apt-get: the same message, saying apt-get is not available', async (t) => {
  const outcome = await ensureSystemPackages(WANTED, () => undefined, {
    isRoot: true,
    hasAptGet: false,
  });
  t.is(outcome.kind, 'cannot_install');
  t.regex(outcome.kind === 'cannot_install' ? outcome.message : '', /apt-get is not available/);
});

test('everything present: nothing to do, on any host', async (t) => {
  const host = { isRoot: false, hasAptGet: false };
  t.deepEqual(await ensureSystemPackages([present], () => undefined, host), { kind: 'present' });
});

test('npm test runs the setup first and stops there when it fails (&&), before any test', (t) => {
  const scripts = JSON.parse(readFileSync('package.json', 'utf8')).scripts as Record<
    string,
    string
  >;
  t.regex(scripts.test ?? '', /^node --import tsx scripts\/test-setup\.ts && /);
});
