/**
 * How tests get a Redis server.
 *
 * 1. `REDIS_URL` set → use that server; nothing is spawned and `stop()` is a no-op. Not
 *    used when the caller needs its own process (`args`, `dir` or `ownProcess`).
 * 2. `redis-server` on PATH → spawn one on a free port (`--port 0` is
 *    refused) and wait for "Ready to accept connections".
 * 3. Running as root with `apt-get` → install `redis-server` once (a lock file in the temp
 *    dir keeps parallel ava processes from running apt at the same time), then spawn.
 * 4. Otherwise throw `REDIS_NOT_FOUND_MESSAGE`.
 *
 * Spawned servers never outlive the test process: they are SIGKILLed on 'exit' and on
 * SIGTERM/SIGINT/SIGHUP (ava stops a timed-out worker with SIGTERM), and their pipes and
 * handles are unref'd so a forgotten server cannot keep a worker alive.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { ExecutionContext } from 'ava';
import { getFreePort } from './free-port.js';
import { WaitTimeoutError, withDeadline } from './wait.js';

/** The one-line instruction thrown when no Redis can be found or installed. */
export const REDIS_NOT_FOUND_MESSAGE =
  'redis-server not found: install it (apt-get install -y redis-server) or set REDIS_URL';

/** Deadline for a spawned server to log "Ready to accept connections" (10 s). */
const READY_TIMEOUT_MS = 10_000;
/** Deadline for a server to exit after SIGTERM before it is SIGKILLed (10 s). */
const STOP_TIMEOUT_MS = 10_000;
/** Spawn attempts on fresh ports when the chosen port was taken meanwhile. */
const PORT_ATTEMPTS = 5;
/** Deadline of the whole one-time apt install, including waiting for dpkg locks (15 min). */
const INSTALL_TIMEOUT_MS = 15 * 60_000;
/** How often a waiting process re-checks another's install lock or a busy dpkg lock. */
const LOCK_POLL_INTERVAL_MS = 500;
/** Bytes of server output kept for error messages. */
const LOG_TAIL_CHARS = 8_192;

/** A running Redis server for tests. */
export interface RedisHandle {
  /** `redis://127.0.0.1:<port>` for a spawned server, or `REDIS_URL` as given. */
  readonly url: string;
  /** The TCP port (from `REDIS_URL`, default 6379, when external). */
  readonly port: number;
  /** True when the server came from `REDIS_URL`: `stop()` is a no-op, `restart()`/`kill()` reject. */
  readonly isExternal: boolean;
  /** SIGTERM, then SIGKILL if it has not exited after 10 s; resolves once exited. Idempotent. */
  stop(): Promise<void>;
  /** Stops, then starts again on the same port with the same arguments and waits for ready. */
  restart(): Promise<void>;
  /** SIGKILL (no shutdown, no AOF flush) and wait for the exit. */
  kill(): Promise<void>;
  /** SIGSTOP: the process stops answering while its sockets stay open (a frozen Redis). */
  freeze(): void;
  /** SIGCONT after `freeze`. */
  thaw(): void;
  /** The last few KiB the current server process wrote to stdout/stderr (for diagnostics). */
  logs(): string;
}

/** Options of `startRedis`. */
export interface StartRedisOptions {
  /** Extra `redis-server` arguments, after the defaults (later ones win), e.g. for AOF tests. */
  args?: string[];
  /** Working and data directory (`--dir`); default a fresh temp dir removed at process exit. */
  dir?: string;
  /** Spawn a private server even when `REDIS_URL` is set (implied by `args` or `dir`). */
  ownProcess?: boolean;
}

/** Starts (or finds) a Redis server; see the module comment for the order of sources. */
export async function startRedis(options: StartRedisOptions = {}): Promise<RedisHandle> {
  const needsOwnProcess =
    options.ownProcess === true || options.args !== undefined || options.dir !== undefined;
  const externalUrl = process.env.REDIS_URL;
  if (externalUrl && !needsOwnProcess) return externalRedis(externalUrl);

  const bin = await findOrInstallRedisServer();
  installExitHooks();
  let dir = options.dir;
  if (dir === undefined) {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spoolcast-redis-'));
    ownedDirs.add(dir);
  }
  const server = new SpawnedRedis(bin, dir, options.args ?? []);
  await server.startOnFreePort();
  return server;
}

/** `startRedis` for one ava test: registers `t.teardown(stop)` right away. */
export async function startTestRedis(
  t: Pick<ExecutionContext, 'teardown'>,
  options: StartRedisOptions = {},
): Promise<RedisHandle> {
  const redis = await startRedis(options);
  t.teardown(() => redis.stop());
  return redis;
}

let shared: Promise<RedisHandle> | undefined;

/**
 * One server per test process (each ava test file runs in its own process), started on
 * first use and killed when the process exits. Tests sharing it must use `uniquePrefix()`
 * and must not stop, restart or kill it: use `startTestRedis` for that.
 */
export function sharedRedis(): Promise<RedisHandle> {
  if (shared === undefined) {
    shared = startRedis();
    // A failed start is not memoised, so one broken attempt does not fail every later test.
    shared.catch(() => {
      shared = undefined;
    });
  }
  return shared;
}

let prefixCounter = 0;

/**
 * A key prefix / channel suffix unique to this call across processes sharing a server,
 * e.g. `t_4242_3_9f2c1a:` (label, pid, counter, random).
 */
export function uniquePrefix(label = 't'): string {
  prefixCounter += 1;
  const safeLabel = label.replace(/[^A-Za-z0-9_-]/g, '_') || 't';
  return `${safeLabel}_${process.pid}_${prefixCounter}_${randomBytes(3).toString('hex')}:`;
}

function externalRedis(url: string): RedisHandle {
  const parsed = new URL(url);
  const refuse = (what: string) => () =>
    Promise.reject(
      new Error(
        `${what}() needs a spawned redis-server, not REDIS_URL: start it with { ownProcess: true }`,
      ),
    );
  return {
    url,
    port: parsed.port === '' ? 6379 : Number(parsed.port),
    isExternal: true,
    stop: () => Promise.resolve(),
    restart: refuse('restart'),
    kill: refuse('kill'),
    freeze: () => {
      throw new Error('cannot freeze an external Redis (REDIS_URL)');
    },
    thaw: () => undefined,
    logs: () => '',
  };
}

/** One running `redis-server` child with the log tail it has written. */
interface RunningServer {
  child: ChildProcess;
  exited: Promise<void>;
  logTail: string;
  stopping?: Promise<void>;
}

class PortInUseError extends Error {}

class SpawnedRedis implements RedisHandle {
  readonly isExternal = false;
  #port = 0;
  #current: RunningServer | undefined;

  constructor(
    private readonly bin: string,
    private readonly dir: string,
    private readonly extraArgs: readonly string[],
  ) {}

  get port(): number {
    return this.#port;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.#port}`;
  }

  /** Picks a free port and spawns there, choosing a new port when another process took it. */
  async startOnFreePort(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      this.#port = await getFreePort();
      try {
        this.#current = await this.#spawnReady();
        return;
      } catch (error) {
        if (!(error instanceof PortInUseError) || attempt >= PORT_ATTEMPTS) throw error;
      }
    }
  }

  freeze(): void {
    this.#current?.child.kill('SIGSTOP');
  }

  thaw(): void {
    this.#current?.child.kill('SIGCONT');
  }

  async stop(): Promise<void> {
    const server = this.#current;
    if (server === undefined) return;
    // A frozen server would not act on SIGTERM until thawed.
    server.child.kill('SIGCONT');
    server.stopping ??= stopServer(server);
    await server.stopping;
    if (this.#current === server) this.#current = undefined;
  }

  async restart(): Promise<void> {
    await this.stop();
    // Same port on purpose: clients reconnect to the address they know. redis-server sets
    // SO_REUSEADDR, so the old socket's TIME_WAIT does not block the new bind.
    this.#current = await this.#spawnReady();
  }

  async kill(): Promise<void> {
    const server = this.#current;
    if (server === undefined) return;
    this.#current = undefined;
    server.child.kill('SIGKILL');
    await withDeadline(
      server.exited,
      STOP_TIMEOUT_MS,
      `redis-server on port ${this.#port} to exit after SIGKILL`,
    );
  }

  logs(): string {
    return this.#current?.logTail ?? '';
  }

  async #spawnReady(): Promise<RunningServer> {
    const port = this.#port;
    const argv = [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      this.dir,
      ...this.extraArgs,
    ];
    const child = spawn(this.bin, argv, { cwd: this.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    liveChildren.add(child);
    const server: RunningServer = {
      child,
      logTail: '',
      exited: new Promise<void>((resolve) => {
        const done = (): void => {
          liveChildren.delete(child);
          resolve();
        };
        child.once('exit', done);
        // 'error' without 'exit' happens when the binary cannot be executed at all.
        child.once('error', done);
      }),
    };
    // Keep draining the pipes for the whole life of the server: a full pipe would block
    // redis-server on its next log line.
    const onOutput = (chunk: Buffer): void => {
      server.logTail = (server.logTail + chunk.toString('utf8')).slice(-LOG_TAIL_CHARS);
    };
    child.stdout?.on('data', onOutput);
    child.stderr?.on('data', onOutput);
    child.unref();
    unrefPipe(child.stdout);
    unrefPipe(child.stderr);

    try {
      await waitForReady(server, port);
    } catch (error) {
      child.kill('SIGKILL');
      await server.exited;
      throw error;
    }
    return server;
  }
}

/** Child pipes are net.Sockets at runtime, though typed as plain Readables. */
function unrefPipe(stream: Readable | null): void {
  if (stream instanceof Socket) stream.unref();
}

function waitForReady(server: RunningServer, port: number): Promise<void> {
  const { child } = server;
  return new Promise<void>((resolve, reject) => {
    const cleanup = (): void => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.off('close', onClose);
      child.off('error', onError);
    };
    const onData = (): void => {
      // Checked on the accumulated tail: the marker can arrive split across chunks.
      if (!server.logTail.includes('Ready to accept connections')) return;
      cleanup();
      resolve();
    };
    // 'close', not 'exit': it comes after the pipes are drained, so the tail holds the reason.
    const onClose = (code: number | null, signal: NodeJS.Signals | null): void => {
      cleanup();
      const output = server.logTail.trim();
      if (/address already in use/i.test(output)) {
        reject(new PortInUseError(`port ${port} is already in use`));
        return;
      }
      reject(
        new Error(
          `redis-server on port ${port} exited before it was ready (code ${code}, signal ${signal}):\n${output}`,
        ),
      );
    };
    const onError = (error: Error): void => {
      cleanup();
      reject(new Error(`could not run redis-server: ${error.message}`, { cause: error }));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(
        new WaitTimeoutError(
          READY_TIMEOUT_MS,
          `redis-server on port ${port} to log "Ready to accept connections"; output so far:\n${server.logTail}`,
        ),
      );
    }, READY_TIMEOUT_MS);
    // Registered after the logTail listener, so the tail already holds this chunk.
    child.stdout?.on('data', onData);
    child.once('close', onClose);
    child.once('error', onError);
  });
}

async function stopServer(server: RunningServer): Promise<void> {
  const { child } = server;
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  try {
    await withDeadline(server.exited, STOP_TIMEOUT_MS, 'redis-server to exit after SIGTERM');
  } catch {
    child.kill('SIGKILL');
    await withDeadline(server.exited, STOP_TIMEOUT_MS, 'redis-server to exit after SIGKILL');
  }
}

// ---- never outlive the test process ----

const liveChildren = new Set<ChildProcess>();
const ownedDirs = new Set<string>();
let areExitHooksInstalled = false;

function killAllSync(): void {
  for (const child of liveChildren) child.kill('SIGKILL');
  liveChildren.clear();
  for (const dir of ownedDirs) {
    try {
      fs.rmSync(dir, { recursive: true, force: true });
    } catch {
      // Best effort at exit: a just-killed server may still be closing a file in it.
    }
  }
  ownedDirs.clear();
}

function installExitHooks(): void {
  if (areExitHooksInstalled) return;
  areExitHooksInstalled = true;
  process.on('exit', killAllSync);
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    process.once(signal, () => {
      killAllSync();
      // A listener replaces Node's default "exit on signal"; restore it when nobody else
      // handles the signal, by re-raising it with our listener gone.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  }
}

// ---- finding or installing redis-server ----

function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // Not in this directory.
    }
  }
  return undefined;
}

let installation: Promise<string> | undefined;

/** The redis-server binary: on PATH, else installed with apt when root, else an error. */
export async function findOrInstallRedisServer(): Promise<string> {
  const found = findOnPath('redis-server');
  if (found !== undefined) return found;
  if (process.getuid?.() !== 0 || findOnPath('apt-get') === undefined) {
    throw new Error(REDIS_NOT_FOUND_MESSAGE);
  }
  installation ??= installOnceAcrossProcesses().finally(() => {
    installation = undefined;
  });
  return installation;
}

const INSTALL_LOCK_PATH = path.join(os.tmpdir(), 'spoolcast-redis-server-install.lock');

/**
 * Runs the apt install in at most one process at a time: the first takes an exclusive
 * lock file (holding its pid); the others poll until the lock is gone and then look for
 * the binary again. A lock whose pid is dead is stale and removed.
 */
async function installOnceAcrossProcesses(): Promise<string> {
  const deadline = Date.now() + INSTALL_TIMEOUT_MS;
  for (;;) {
    const found = findOnPath('redis-server');
    if (found !== undefined) return found;
    if (tryTakeLock(INSTALL_LOCK_PATH)) {
      try {
        await aptInstallRedisServer(deadline);
      } finally {
        fs.rmSync(INSTALL_LOCK_PATH, { force: true });
      }
      const installed = findOnPath('redis-server');
      if (installed === undefined) {
        throw new Error(
          `apt-get installed redis-server but it is not on PATH (${process.env.PATH})`,
        );
      }
      return installed;
    }
    if (isLockStale(INSTALL_LOCK_PATH)) {
      fs.rmSync(INSTALL_LOCK_PATH, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out waiting for another process to install redis-server (lock ${INSTALL_LOCK_PATH}); ${REDIS_NOT_FOUND_MESSAGE}`,
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

async function aptInstallRedisServer(deadline: number): Promise<void> {
  process.stderr.write('redis-server not found: installing it with apt-get (one time)\n');
  await runApt(['update'], deadline);
  await runApt(['install', '-y', 'redis-server'], deadline);
}

/** Runs one apt-get command, waiting out dpkg/apt lock contention until `deadline`. */
async function runApt(args: string[], deadline: number): Promise<void> {
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
        `apt-get ${args.join(' ')} failed (code ${result.code}): ${result.output.slice(-2_000)}\n${REDIS_NOT_FOUND_MESSAGE}`,
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
