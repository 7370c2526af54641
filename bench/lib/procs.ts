/**
 * Child processes of the bench: each pinned to a core with `taskset`, each killed by the
 * kernel if the orchestrator dies (`setpriv --pdeathsig KILL`), each tracked so `stopAll`
 * ends exactly the processes this run started (by pid, never by name).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { spawnRedis } from '../../support/redis-process.js';

/** A started child with the tail of its output. */
export interface Proc {
  name: string;
  /** Stopped after the others (a dependency such as redis-server). */
  stopLast: boolean;
  child: ChildProcess;
  pid: number;
  exited: Promise<number | null>;
  tail(): string;
}

const TAIL_CHARS = 8192;

function hasTool(tool: string): boolean {
  const probe = spawnSync(tool, ['--version'], { stdio: 'ignore' });
  return probe.error === undefined;
}

/** Starts, pins and tracks the bench's child processes. */
export class Procs {
  readonly pinning = hasTool('taskset');
  readonly deathSignal = hasTool('setpriv');
  private readonly live = new Set<Proc>();

  constructor(private readonly logDir: string) {}

  /**
   * Spawns `cmd args` pinned to `core` (null: not pinned). Output goes to
   * `<logDir>/<name>.log` and a small in-memory tail.
   */
  spawn(
    name: string,
    core: number | null,
    cmd: string,
    args: string[],
    options: { env?: NodeJS.ProcessEnv; ipc?: boolean; cwd?: string; stopLast?: boolean } = {},
  ): Proc {
    const argv: string[] = [];
    if (this.deathSignal) argv.push('setpriv', '--pdeathsig', 'KILL', '--');
    if (core !== null && this.pinning) argv.push('taskset', '-c', String(core));
    argv.push(cmd, ...args);
    const [file, ...rest] = argv as [string, ...string[]];
    const child = spawn(file, rest, {
      env: options.env ?? process.env,
      cwd: options.cwd,
      stdio: ['ignore', 'pipe', 'pipe', ...(options.ipc ? (['ipc'] as const) : [])],
    });
    fs.mkdirSync(this.logDir, { recursive: true });
    const log = fs.createWriteStream(path.join(this.logDir, `${name}.log`));
    let tail = '';
    const onOutput = (chunk: Buffer) => {
      log.write(chunk);
      tail = (tail + chunk.toString('utf8')).slice(-TAIL_CHARS);
    };
    child.stdout?.on('data', onOutput);
    child.stderr?.on('data', onOutput);
    const exited = new Promise<number | null>((resolve) => {
      child.once('exit', (code) => resolve(code));
      child.once('error', (error) => {
        tail += `\nspawn failed: ${error.message}`;
        resolve(null);
      });
    });
    const proc: Proc = {
      name,
      stopLast: options.stopLast ?? false,
      child,
      pid: child.pid ?? -1,
      exited,
      tail: () => tail,
    };
    this.live.add(proc);
    void exited.then(() => this.live.delete(proc));
    // 'close' comes after the pipes are drained: only then may the log end.
    child.once('close', () => log.end());
    return proc;
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
  async stop(proc: Proc, graceMs = 5000): Promise<void> {
    if (proc.child.exitCode !== null || proc.child.signalCode !== null) return;
    proc.child.kill('SIGTERM');
    const timer = setTimeout(() => proc.child.kill('SIGKILL'), graceMs);
    await proc.exited;
    clearTimeout(timer);
  }

  /** Stops every process this run started; dependencies (`stopLast`) after the rest. */
  async stopAll(graceMs = 5000): Promise<void> {
    const procs = [...this.live];
    await Promise.all(procs.filter((p) => !p.stopLast).map((p) => this.stop(p, graceMs)));
    await Promise.all(procs.filter((p) => p.stopLast).map((p) => this.stop(p, graceMs)));
  }

  /** Last resort on process exit: SIGKILL whatever is still running (synchronous). */
  killAllNow(): void {
    for (const proc of this.live) proc.child.kill('SIGKILL');
  }
}

/** A free TCP port on 127.0.0.1 (free when returned, not reserved). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no free port');
  return address.port;
}

/** Polls `GET url` until it answers 200; rejects if `proc` exits or on timeout. */
export async function waitForHttp200(
  url: string,
  proc: Proc | null,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void proc?.exited.then(() => {
    exited = true;
  });
  for (;;) {
    if (exited)
      throw new Error(`${proc?.name} exited before ${url} answered 200:\n${proc?.tail()}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer 200 within ${timeoutMs} ms`);
    await sleep(100);
  }
}

/**
 * Starts redis-server with the repository's one Redis starter (support/redis-process.ts,
 * shared with the tests: found or installed with apt, free port, no persistence, retried when
 * the port was taken), launched through `procs` so it is pinned to `core`, logged and
 * stopped with the rest.
 */
export async function startRedis(
  procs: Procs,
  core: number | null,
): Promise<{ proc: Proc; url: string; port: number }> {
  let proc: Proc | null = null;
  const redis = await spawnRedis({
    args: ['--maxclients', '1000'],
    launch: (bin, argv, cwd) => {
      proc = procs.spawn('redis', core, bin, argv, { cwd, stopLast: true });
      return proc.child;
    },
  });
  if (proc === null) throw new Error('redis-server was not launched');
  return { proc, url: redis.url, port: redis.port };
}
