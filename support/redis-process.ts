/**
 * The one way this repository starts a private `redis-server`, shared by the test helpers
 * (test/helpers/redis-server.ts) and the bench (bench/run.ts). Nothing in src/ imports it.
 *
 * - `findOrInstallRedisServer()`: the binary on PATH; else, as root with apt-get, installed
 *   once through support/system-packages.ts (one apt run at a time, under a lock); else an
 *   error with the one-line instruction.
 * - `spawnRedis()`: a server on a free port (`--port 0` is refused), no persistence, waiting
 *   for "Ready to accept connections" and choosing a new port when another process took the
 *   chosen one. The caller may wrap the spawn (the bench pins it to a core and logs it).
 *
 * Spawned servers never outlive this process: they are SIGKILLed on 'exit' and on
 * SIGTERM/SIGINT/SIGHUP, and with `unref` their pipes and handles do not keep it alive.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net, { Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { settleWithin } from './deadline.js';
import { aptInstall, findOnPath } from './system-packages.js';

/** The one-line instruction thrown when no Redis can be found or installed. */
export const REDIS_NOT_FOUND_MESSAGE =
  'redis-server not found: install it (apt-get install -y redis-server) or set REDIS_URL';

/** Deadline for a spawned server to log "Ready to accept connections" (10 s). */
const READY_TIMEOUT_MS = 10_000;
/** Deadline for a server to exit after SIGTERM before it is SIGKILLed (10 s). */
const STOP_TIMEOUT_MS = 10_000;
/** Spawn attempts on fresh ports when the chosen port was taken meanwhile. */
const PORT_ATTEMPTS = 5;
/** Bytes of server output kept for error messages. */
const LOG_TAIL_CHARS = 8_192;

/** A `redis-server` this process spawned. */
export interface RedisProcess {
  /** `redis://127.0.0.1:<port>`. */
  readonly url: string;
  readonly port: number;
  /** The current server's pid (changes on `restart`); -1 when stopped. */
  readonly pid: number;
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

/** Starts `bin argv` in `cwd` with stdout/stderr piped; the default is a plain `spawn`. */
export type LaunchRedis = (bin: string, argv: string[], cwd: string) => ChildProcess;

/** Options of `spawnRedis`. */
export interface SpawnRedisOptions {
  /** Extra `redis-server` arguments, after the defaults (later ones win). */
  args?: readonly string[];
  /** Working and data directory (`--dir`); default a fresh temp dir removed at process exit. */
  dir?: string;
  /** How to start the process (e.g. behind `setpriv`/`taskset`); default `spawn`. */
  launch?: LaunchRedis;
  /** Unref the child and its pipes, so a forgotten server cannot keep this process alive. */
  unref?: boolean;
}

/** Spawns a private `redis-server` on a free port and waits until it accepts connections. */
export async function spawnRedis(options: SpawnRedisOptions = {}): Promise<RedisProcess> {
  const bin = await findOrInstallRedisServer();
  installExitHooks();
  let dir = options.dir;
  if (dir === undefined) {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spoolcast-redis-'));
    ownedDirs.add(dir);
  }
  const launch: LaunchRedis =
    options.launch ??
    ((file, argv, cwd) => spawn(file, argv, { cwd, stdio: ['ignore', 'pipe', 'pipe'] }));
  const server = new SpawnedRedis(bin, dir, options.args ?? [], launch, options.unref ?? false);
  await server.startOnFreePort();
  return server;
}

/** Asks the kernel for a free port on 127.0.0.1, releases it and returns its number. */
export async function freeLoopbackPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  await new Promise<void>((resolve, reject) =>
    server.close((error) => (error ? reject(error) : resolve())),
  );
  if (address === null || typeof address === 'string') {
    throw new Error(`unexpected listen address from net.Server: ${String(address)}`);
  }
  return address.port;
}

/** One running `redis-server` child with the log tail it has written. */
interface RunningServer {
  child: ChildProcess;
  exited: Promise<void>;
  logTail: string;
  stopping?: Promise<void>;
}

class PortInUseError extends Error {}

class SpawnedRedis implements RedisProcess {
  #port = 0;
  #current: RunningServer | undefined;

  constructor(
    private readonly bin: string,
    private readonly dir: string,
    private readonly extraArgs: readonly string[],
    private readonly launch: LaunchRedis,
    private readonly isUnref: boolean,
  ) {}

  get port(): number {
    return this.#port;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.#port}`;
  }

  get pid(): number {
    return this.#current?.child.pid ?? -1;
  }

  /** Picks a free port and spawns there, choosing a new port when another process took it. */
  async startOnFreePort(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      this.#port = await freeLoopbackPort();
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
    const child = this.launch(this.bin, argv, this.dir);
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
    if (this.isUnref) {
      child.unref();
      unrefPipe(child.stdout);
      unrefPipe(child.stderr);
    }

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
        new Error(
          `timed out after ${READY_TIMEOUT_MS} ms waiting for redis-server on port ${port} to log "Ready to accept connections"; output so far:\n${server.logTail}`,
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

/** Settles like `promise`, or rejects naming `what` once `timeoutMs` has passed. */
function withDeadline<T>(promise: PromiseLike<T>, timeoutMs: number, what: string): Promise<T> {
  return settleWithin(
    promise,
    timeoutMs,
    () => new Error(`timed out after ${timeoutMs} ms waiting for ${what}`),
  );
}

// ---- never outlive this process ----

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

let installation: Promise<string> | undefined;

/** The redis-server binary: on PATH, else installed with apt when root, else an error. */
export async function findOrInstallRedisServer(): Promise<string> {
  const found = findOnPath('redis-server');
  if (found !== undefined) return found;
  if (process.getuid?.() !== 0 || findOnPath('apt-get') === undefined) {
    throw new Error(REDIS_NOT_FOUND_MESSAGE);
  }
  installation ??= (async () => {
    await aptInstall(
      ['redis-server'],
      REDIS_NOT_FOUND_MESSAGE,
      () => findOnPath('redis-server') !== undefined,
    );
    const installed = findOnPath('redis-server');
    if (installed === undefined) {
      throw new Error(`apt-get installed redis-server but it is not on PATH (${process.env.PATH})`);
    }
    return installed;
  })().finally(() => {
    installation = undefined;
  });
  return installation;
}
