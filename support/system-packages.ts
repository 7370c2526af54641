/**
 * The Debian packages the tests (and the bench) need, and the one way this repository
 * installs them: `apt-get update` + one `apt-get install` for everything missing, as root,
 * under a lock file so parallel processes never run apt at the same time.
 *
 * `npm test` runs `scripts/test-setup.ts` first, which calls `ensureSystemPackages`: on a
 * fresh machine, as root, it installs what is missing and says what; without root it stops
 * before the first test with one message naming the packages and the apt-get line.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Deadline of a whole one-time apt install, including waiting for dpkg locks (15 min). */
const INSTALL_TIMEOUT_MS = 15 * 60_000;
/** How often a waiting process re-checks another's install lock or a busy dpkg lock. */
const LOCK_POLL_INTERVAL_MS = 500;

/** A system package a test needs, and how to tell it is there. */
export interface SystemPackage {
  /** The Debian package to install. */
  debian: string;
  /** Why the suite needs it. */
  usedFor: string;
  /** True when it is installed (a command on PATH or in /usr/sbin, a file). */
  isPresent(): boolean;
}

/** True when `name` is an executable on PATH or in /usr/sbin (nginx, haproxy live there). */
export function hasCommand(name: string): boolean {
  return findCommand(name) !== undefined;
}

/** `name` on PATH, else in /usr/sbin or /usr/bin; undefined when nowhere. */
export function findCommand(name: string): string | undefined {
  return (
    findOnPath(name) ??
    ['/usr/sbin', '/usr/bin'].map((dir) => path.join(dir, name)).find(isExecutable)
  );
}

/** Debian's Python, which sees python3-redis (a pyenv or venv python3 on PATH does not). */
export const DEBIAN_PYTHON = '/usr/bin/python3';
const PYTHON_REDIS_INIT = '/usr/lib/python3/dist-packages/redis/__init__.py';

/** Every Debian package the whole test suite needs. */
export const TEST_PACKAGES: readonly SystemPackage[] = [
  { debian: 'redis-server', usedFor: 'the Redis bus', isPresent: () => hasCommand('redis-server') },
  {
    debian: 'redis-sentinel',
    usedFor: 'failover tests',
    isPresent: () => hasCommand('redis-sentinel'),
  },
  { debian: 'nginx', usedFor: 'proxy and drain tests', isPresent: () => hasCommand('nginx') },
  { debian: 'haproxy', usedFor: 'proxy tests', isPresent: () => hasCommand('haproxy') },
  { debian: 'chromium', usedFor: 'browser tests', isPresent: () => hasCommand('chromium') },
  {
    debian: 'python3-redis',
    usedFor: 'the Python producer examples (examples/python, run by /usr/bin/python3)',
    isPresent: () => fs.existsSync(DEBIAN_PYTHON) && fs.existsSync(PYTHON_REDIS_INIT),
  },
];

/** The packages of `wanted` that are not installed. */
export function missingPackages(wanted: readonly SystemPackage[]): SystemPackage[] {
  return wanted.filter((p) => !p.isPresent());
}

/** The command a person runs to install `packages`. */
export function aptCommandLine(packages: readonly SystemPackage[]): string {
  return `apt-get update && apt-get install -y --no-install-recommends ${packages.map((p) => p.debian).join(' ')}`;
}

/** What `ensureSystemPackages` did. */
export type EnsureOutcome =
  | { kind: 'present' }
  | { kind: 'installed'; packages: string[] }
  | { kind: 'cannot_install'; message: string };

/** What decides whether this process may install packages. */
export interface InstallHost {
  isRoot: boolean;
  hasAptGet: boolean;
}

/** This process: root or not, and whether apt-get is on PATH. */
export function thisHost(): InstallHost {
  return { isRoot: process.getuid?.() === 0, hasAptGet: findOnPath('apt-get') !== undefined };
}

/**
 * Installs what of `wanted` is missing, in one apt run, when this process is root and has
 * apt-get; otherwise returns the one message to show (packages and the apt-get line).
 * `say` reports what is being installed.
 */
export async function ensureSystemPackages(
  wanted: readonly SystemPackage[],
  say: (line: string) => void,
  host: InstallHost = thisHost(),
): Promise<EnsureOutcome> {
  const missing = missingPackages(wanted);
  if (missing.length === 0) return { kind: 'present' };
  const names = missing.map((p) => p.debian);
  const { isRoot } = host;
  if (!isRoot || !host.hasAptGet) {
    const lines = missing.map((p) => `  ${p.debian.padEnd(16)} ${p.usedFor}`);
    return {
      kind: 'cannot_install',
      message: [
        `The tests need Debian packages that are not installed${isRoot ? ' (and apt-get is not available)' : ' (and this is not root, so they cannot be installed here)'}:`,
        ...lines,
        'Install them as root, then run npm test again:',
        `  ${aptCommandLine(missing)}`,
      ].join('\n'),
    };
  }
  say(`installing with apt-get (one time): ${names.join(' ')}`);
  await aptInstall(
    names,
    `install them by hand: ${aptCommandLine(missing)}`,
    () => missingPackages(missing).length === 0,
  );
  stopPackageDaemons(names);
  const still = missingPackages(missing);
  if (still.length > 0) {
    return {
      kind: 'cannot_install',
      message: `apt-get ran but these are still missing: ${still.map((p) => p.debian).join(' ')}`,
    };
  }
  return { kind: 'installed', packages: names };
}

/**
 * Debian starts a package's daemon on install where an init system runs (nginx on :80,
 * redis on :6379); the tests start their own on free ports and need none of them.
 */
function stopPackageDaemons(packages: string[]): void {
  if (findCommand('service') === undefined) return;
  for (const name of packages.filter((p) => DAEMONS.has(p))) {
    spawnSync('service', [name, 'stop'], { stdio: 'ignore' });
  }
}

const DAEMONS = new Set(['nginx', 'haproxy', 'redis-server', 'redis-sentinel']);

function isExecutable(candidate: string): boolean {
  try {
    fs.accessSync(candidate, fs.constants.X_OK);
    return fs.statSync(candidate).isFile();
  } catch {
    return false;
  }
}

/** The executable `name` in a PATH directory, or undefined. */
export function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

const INSTALL_LOCK_PATH = path.join(os.tmpdir(), 'spoolcast-apt-install.lock');

/**
 * `apt-get update` then `apt-get install -y <packages>` (root only), in at most one process
 * at a time: the first takes an exclusive lock file (holding its pid); the others poll until
 * the lock is gone and then check `isInstalled` again. A lock whose pid is dead is stale and
 * removed. `hint` ends every error message (what the user can do instead).
 */
export async function aptInstall(
  packages: string[],
  hint: string,
  isInstalled: () => boolean = () => false,
): Promise<void> {
  const deadline = Date.now() + INSTALL_TIMEOUT_MS;
  for (;;) {
    if (isInstalled()) return;
    if (tryTakeLock(INSTALL_LOCK_PATH)) {
      try {
        process.stderr.write(
          `${packages.join(', ')} not found: installing with apt-get (one time)\n`,
        );
        await runApt(['update'], deadline, hint);
        await runApt(['install', '-y', '--no-install-recommends', ...packages], deadline, hint);
      } finally {
        fs.rmSync(INSTALL_LOCK_PATH, { force: true });
      }
      return;
    }
    if (isLockStale(INSTALL_LOCK_PATH)) {
      fs.rmSync(INSTALL_LOCK_PATH, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out waiting for another process to run apt-get (lock ${INSTALL_LOCK_PATH}); ${hint}`,
      );
    }
    await pollDelay(LOCK_POLL_INTERVAL_MS);
  }
}

function tryTakeLock(lockPath: string): boolean {
  try {
    const fd = fs.openSync(lockPath, 'wx');
    fs.writeSync(fd, String(process.pid));
    fs.closeSync(fd);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

function isLockStale(lockPath: string): boolean {
  let pid: number;
  try {
    pid = Number.parseInt(fs.readFileSync(lockPath, 'utf8'), 10);
  } catch {
    return false; // Gone (released) or being written: look again on the next poll.
  }
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** Output of apt when another apt/dpkg (e.g. unattended-upgrades) holds its locks. */
const APT_LOCK_BUSY = /could not get lock|unable to acquire|unable to lock|is held by process/i;

/** Runs one apt-get command, waiting out dpkg/apt lock contention until `deadline`. */
async function runApt(args: string[], deadline: number, hint: string): Promise<void> {
  for (;;) {
    // DPkg::Lock::Timeout makes apt wait for the dpkg frontend lock itself; the retry
    // covers the locks it does not wait for (e.g. the lists lock during `update`).
    const result = await run('apt-get', ['-o', 'DPkg::Lock::Timeout=120', ...args], {
      ...process.env,
      DEBIAN_FRONTEND: 'noninteractive',
    });
    if (result.code === 0) return;
    if (!APT_LOCK_BUSY.test(result.output) || Date.now() > deadline) {
      throw new Error(
        `apt-get ${args.join(' ')} failed (code ${result.code}): ${result.output.slice(-2_000)}\n${hint}`,
      );
    }
    await pollDelay(LOCK_POLL_INTERVAL_MS * 4);
  }
}

function run(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const collect = (chunk: Buffer): void => {
      output = (output + chunk.toString('utf8')).slice(-64_000);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
}

/** The interval between two looks at a lock held by another process (polling a state). */
function pollDelay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
