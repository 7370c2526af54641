/**
 * `npm run test:unit`: the pure and in-process tests only, for quick feedback. A test file
 * is a system test when it uses a helper that starts an external process (Redis, Sentinel,
 * nginx, haproxy, Chromium, kubectl, the service or the spoolcast command as a child); every other file runs here,
 * under SPOOLCAST_TEST_SCOPE=unit, where those helpers throw (test/helpers/test-scope.ts),
 * so a misfiled test fails instead of passing quietly. `npm test` runs every file.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** Helper names that start an external process (test/helpers, test/k8s). */
const SYSTEM_MARKERS =
  /\b(redisEnv|ownRedisEnv|startTestRedis|sharedRedis|startRedis|spawnDaemon|launchBrowser|browserTest|openPage|render|renderDirectory|spawnService|startServiceProcess|spawnSpoolcast|runSpoolcast|startSentinel\w*|startNginx\w*|startHaproxy\w*|startProxy\w*)\(|node:child_process/;

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return testFiles(full);
    return entry.name.endsWith('.test.ts') ? [full] : [];
  });
}

const unit = testFiles('test').filter((file) => !SYSTEM_MARKERS.test(readFileSync(file, 'utf8')));
process.stdout.write(`test:unit: ${unit.length} files (npm test runs all of them and the rest)\n`);
const result = spawnSync('npx', ['ava', ...process.argv.slice(2), ...unit.sort()], {
  stdio: 'inherit',
  env: { ...process.env, SPOOLCAST_TEST_SCOPE: 'unit' },
});
process.exit(result.status ?? 1);
