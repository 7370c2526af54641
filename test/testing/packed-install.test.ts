/**
 * The kit as a consumer gets it: `npm pack` this repo (built dist/), install the tarball
 * into an empty project (--prefer-offline: the npm cache of this checkout's own install
 * serves the dependencies), and run a script there that imports `spoolcast/testing`,
 * starts a gateway, publishes and reads the frame, and fetches the API documents. The
 * installed `spoolcast` bin runs too.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import test from 'ava';
import { tempDir } from '../helpers/daemon.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
// Under `npm test` npm exports its settings (npm_config_local_prefix is this repo): the
// consumer's npm must see its own project, as a developer's shell would.
const NPM_ENV = Object.fromEntries(
  Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name)),
);

const CONSUMER_SCRIPT = `
import { startTestGateway } from 'spoolcast/testing';
const gateway = await startTestGateway();
try {
  const id = await gateway.publish({ event_type: 'TOMAR', tag_spool: 'SPOOL-001' });
  const [frame] = await gateway.nextFrames(1, { timeoutMs: 20000 });
  const docs = [];
  for (const name of ['openapi', 'asyncapi']) {
    const answer = await fetch(gateway.url + '/api/' + name + '.json');
    docs.push(answer.status === 200 ? (await answer.json())[name] : answer.status);
  }
  console.log(JSON.stringify({ id, frame, docs }));
} finally {
  await gateway.close();
}
`;

test('a project that installed the packed package starts a gateway with spoolcast/testing', async (t) => {
  const dir = tempDir(t, 'consumer');
  const startedAt = Date.now();
  const packed = await run('npm', ['pack', '--json', '--pack-destination', dir], {
    cwd: ROOT,
    env: NPM_ENV,
    timeout: 120_000,
  });
  const [manifest] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
  const files = new Set(manifest?.files.map((file) => file.path));
  for (const file of [
    'dist/src/testing/index.js',
    'dist/src/testing/index.d.ts',
    'dist/src/cli/spoolcast.js',
  ]) {
    t.true(files.has(file), `${file} is in the package`);
  }
  const tarball = path.join(dir, manifest?.filename ?? '');
  writeFileSync(
    path.join(dir, 'package.json'),
    '{"name":"consumer","private":true,"type":"module"}\n',
  );
  writeFileSync(path.join(dir, 'consumer.mjs'), CONSUMER_SCRIPT);
  await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball], {
    cwd: dir,
    env: NPM_ENV,
    timeout: 300_000,
  });
  const installedMs = Date.now() - startedAt;
  const consumer = await run(process.execPath, ['consumer.mjs'], { cwd: dir, timeout: 60_000 });
  const { id, frame, docs } = JSON.parse(consumer.stdout);
  t.like(frame, { event: 'spool_update', id, data: { tag_spool: 'SPOOL-001', spoolcast: { id } } });
  // The API documents are served from the installed package's dist/public.
  t.deepEqual(docs, ['3.1.0', '3.0.0']);
  const help = await run(path.join(dir, 'node_modules', '.bin', 'spoolcast'), ['--help'], {
    cwd: dir,
  });
  t.regex(help.stdout, /^Usage: spoolcast <command>/);
  t.log(`pack + install ${installedMs} ms, whole test ${Date.now() - startedAt} ms`);
});
