/**
 * Real daemons a test starts itself (redis-sentinel, nginx, haproxy): spawned in the
 * foreground with a generated config, their output kept for error messages, killed on
 * teardown and when the test process exits, so none outlives its test.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { ExecutionContext } from 'ava';
import { externalProcess } from './test-scope.js';
import { waitFor } from './wait.js';

/** A running daemon. */
export interface Daemon {
  child: ChildProcess;
  /** What it printed so far (last 16 KiB). */
  output(): string;
  /** SIGKILL and wait for the exit. */
  kill(): Promise<void>;
}

const live = new Set<ChildProcess>();
let hooked = false;

/** Finds `name` on PATH or in /usr/sbin; throws a message naming the Debian package. */
export function findBinary(name: string, debianPackage = name): string {
  for (const dir of [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/usr/bin']) {
    const candidate = path.join(dir, name);
    if (dir && fs.existsSync(candidate)) return candidate;
  }
  throw new Error(
    `${name} not found: install it (apt-get install -y ${debianPackage}); npm test installs it when run as root`,
  );
}

/** A fresh temp directory removed on teardown. */
export function tempDir(t: Pick<ExecutionContext, 'teardown'>, label: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `spoolcast-${label}-`));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Spawns `bin args` and kills it on teardown. */
export function spawnDaemon(
  t: Pick<ExecutionContext, 'teardown'>,
  bin: string,
  args: string[],
  cwd?: string,
): Daemon {
  externalProcess(bin);
  if (!hooked) {
    hooked = true;
    process.once('exit', () => {
      for (const child of live) child.kill('SIGKILL');
    });
  }
  const child = spawn(bin, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  let text = '';
  const collect = (chunk: Buffer) => {
    text = (text + chunk.toString()).slice(-16_384);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      live.delete(child);
      resolve();
    });
    child.once('error', () => resolve());
  });
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  t.teardown(kill);
  return { child, output: () => text, kill };
}

/** Resolves once something accepts TCP connections on 127.0.0.1:`port` (or the daemon died). */
export async function waitForPort(daemon: Daemon, port: number, what: string): Promise<void> {
  await waitFor(
    () => {
      if (daemon.child.exitCode !== null) {
        throw new Error(`${what} exited with ${daemon.child.exitCode}: ${daemon.output()}`);
      }
      return new Promise<boolean>((resolve) => {
        const socket = net.connect(port, '127.0.0.1');
        socket.once('connect', () => {
          socket.destroy();
          resolve(true);
        });
        socket.once('error', () => resolve(false));
      });
    },
    { timeoutMs: 20_000, intervalMs: 50, message: `${what} to listen on ${port}` },
  );
}

/** Runs `bin args` synchronously and throws with its output on a non-zero exit (config checks). */
export function runChecked(bin: string, args: string[]): string {
  const result = spawnSync(bin, args, { encoding: 'utf8', timeout: 20_000 });
  if (result.status !== 0) {
    throw new Error(`${bin} ${args.join(' ')} failed: ${result.stdout}${result.stderr}`);
  }
  return result.stdout + result.stderr;
}
