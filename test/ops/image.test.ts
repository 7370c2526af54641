/**
 * The Dockerfile's recipe without Docker (no engine on these machines): the same steps it
 * runs — production install, compiled dist/, Node 22, a non-root user, a tree nobody can
 * write — and the result must serve /readyz. The Dockerfile is read so the two cannot drift.
 */
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import test from 'ava';
import { checkedFetch } from '../helpers/api-contract.js';
import { getFreePort } from '../helpers/free-port.js';
import { nodeBinary } from '../helpers/node-binary.js';
import { once, waitFor } from '../helpers/wait.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));
const dockerfile = fs.readFileSync(path.join(root, 'Dockerfile'), 'utf8');
/** The user nobody owns files as (the image uses 10001; any non-root id proves the point). */
const NOBODY = 65534;

test('the Dockerfile builds on Node 22, installs production deps only and runs as a numeric non-root user', (t) => {
  const stages = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
  t.true(stages.length >= 2, 'multi-stage');
  t.true(stages.every((image) => image?.startsWith('node:22')));
  t.regex(dockerfile, /^RUN npm ci --omit=dev/m);
  const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
  for (const dir of ['src', 'workers', 'public', 'client']) {
    t.true(runtime.includes(`COPY --from=build /app/dist/${dir} ./dist/${dir}`), dir);
  }
  t.notRegex(runtime, /COPY (src|test|bench)\b/);
  const user = /^USER (\d+):(\d+)$/m.exec(runtime);
  t.truthy(user);
  t.not(Number(user?.[1]), 0);
  t.regex(runtime, /^CMD \["node", "dist\/src\/main\.js"\]$/m);
  const ignored = fs.readFileSync(path.join(root, '.dockerignore'), 'utf8').split('\n');
  for (const entry of ['node_modules', 'dist', 'test', '.git']) t.true(ignored.includes(entry));
});

test('the build stage copies every tsconfig the build extends', (t) => {
  const copied = new Set(
    [...dockerfile.matchAll(/^COPY ((?:tsconfig\S*\.json )+)\.\/$/gm)].flatMap((m) =>
      (m[1] as string).trim().split(' '),
    ),
  );
  // Follows `extends` from the two configs the build script compiles with.
  const needed = new Set<string>();
  for (let file of ['tsconfig.build.json', 'tsconfig.client.json']) {
    for (;;) {
      needed.add(file);
      const text = fs.readFileSync(path.join(root, file), 'utf8');
      const parent = /"extends":\s*"\.\/([^"]+)"/.exec(text)?.[1];
      if (!parent) break;
      file = parent;
    }
  }
  t.deepEqual(
    [...needed].filter((file) => !copied.has(file)),
    [],
  );
  t.true(needed.has('tsconfig.server.json'));
});

test('the recipe without Docker: prod install + dist on Node 22, non-root, read-only tree, answers /readyz', async (t) => {
  t.timeout(240_000);
  t.true(fs.existsSync(path.join(root, 'dist/src/main.js')), 'npm test builds dist/ first');
  const node22 = await nodeBinary(22);
  const image = fs.mkdtempSync(path.join(os.tmpdir(), 'spoolcast-image-'));
  t.teardown(async () => {
    await run('chmod', ['-R', 'u+w', image]).catch(() => undefined);
    fs.rmSync(image, { recursive: true, force: true });
  });
  // Stage "deps": production dependencies only, from the lock file.
  for (const file of ['package.json', 'package-lock.json']) {
    fs.copyFileSync(path.join(root, file), path.join(image, file));
  }
  await run(
    'npm',
    ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'],
    { cwd: image, timeout: 180_000 },
  );
  t.false(fs.existsSync(path.join(image, 'node_modules/ava')), 'no dev dependency installed');
  t.true(fs.existsSync(path.join(image, 'node_modules/koa')));
  // Stage "runtime": the compiled code only.
  for (const dir of ['dist/src', 'dist/workers', 'dist/public', 'dist/client']) {
    fs.cpSync(path.join(root, dir), path.join(image, dir), { recursive: true });
  }
  // Read-only for everyone, and not owned by the user that runs it.
  await run('chmod', ['-R', 'a-w,a+rX', image]);
  const port = await getFreePort();
  const asNobody =
    process.getuid?.() === 0
      ? ['setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', node22]
      : [node22];
  const child = spawn(asNobody[0] as string, [...asNobody.slice(1), 'dist/src/main.js'], {
    cwd: image,
    env: {
      PORT: String(port),
      HOST: '127.0.0.1',
      POOL_THREADS: '1',
      NODE_ENV: 'production',
      HOME: '/nonexistent',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk));
  const exited = once<[number | null]>(child, 'exit', {
    timeoutMs: 200_000,
    message: 'the image process to exit',
  });
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  const ready = await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`exited ${child.exitCode}: ${output}`);
      const response = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => null);
      return response?.status === 200 ? response.json() : null;
    },
    {
      timeoutMs: 60_000,
      intervalMs: 100,
      message: `/readyz 200 from the image process; output: ${output}`,
    },
  );
  t.is((ready as { status: string }).status, 'ready');
  // The dashboard, the browser client and the API documents come from the same tree.
  for (const path of ['/', '/dashboard.js', '/client/spoolcast-client.js', '/api/openapi.json']) {
    t.is((await checkedFetch(`http://127.0.0.1:${port}${path}`)).status, 200, path);
  }
  const probe = await run(node22, ['-e', 'process.stdout.write(process.version)']);
  t.regex(probe.stdout, /^v22\./);
  const [{ stdout: uid }] = await Promise.all([run('ps', ['-o', 'uid=', '-p', String(child.pid)])]);
  if (process.getuid?.() === 0) t.is(Number(uid.trim()), NOBODY);
  child.kill('SIGTERM');
  const [code] = await exited;
  t.is(code, 0, output);
});
