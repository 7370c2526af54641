/**
 * CPU and memory readings from /proc: a process's CPU (all its threads), whole-core busy
 * time, and a process's resident set size. Linux only; each reading returns null elsewhere.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

const CLOCK_TICKS_PER_S = 100; // getconf CLK_TCK on Linux

/** utime + stime of a process in seconds, or null when it cannot be read. */
export function processCpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the ")" that closes the command name: state is [0], utime [11], stime [12].
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_S;
  } catch {
    return null;
  }
}

/** Busy and total jiffies per core from /proc/stat. */
export function coreTicks(): { busy: number; total: number }[] {
  try {
    const lines = readFileSync('/proc/stat', 'utf8').split('\n');
    const out: { busy: number; total: number }[] = [];
    for (const line of lines) {
      const match = /^cpu(\d+) (.*)$/.exec(line);
      if (!match) continue;
      const values = (match[2] ?? '').trim().split(/\s+/).map(Number);
      // user nice system idle iowait irq softirq steal guest guest_nice (guest is inside user)
      const total = values.slice(0, 8).reduce((a, b) => a + b, 0);
      const idle = (values[3] ?? 0) + (values[4] ?? 0);
      out[Number(match[1])] = { busy: total - idle, total };
    }
    return out;
  } catch {
    return [];
  }
}

/** Resident set size of a process in KiB (VmRSS), or null. */
export function rssKiB(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+) kB/m.exec(status);
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

/** Kernel TCP counters (whole network namespace) that show a listen queue overflowing. */
export interface TcpCounters {
  listenOverflows: number;
  listenDrops: number;
  synRetrans: number;
}

export function tcpCounters(): TcpCounters {
  const out: TcpCounters = { listenOverflows: 0, listenDrops: 0, synRetrans: 0 };
  try {
    const lines = readFileSync('/proc/net/netstat', 'utf8').split('\n');
    const i = lines.findIndex((l) => l.startsWith('TcpExt:'));
    const names = (lines[i] ?? '').split(' ');
    const values = (lines[i + 1] ?? '').split(' ').map(Number);
    const get = (name: string) => values[names.indexOf(name)] ?? 0;
    out.listenOverflows = get('ListenOverflows');
    out.listenDrops = get('ListenDrops');
    out.synRetrans = get('TCPSynRetrans');
  } catch {
    // not Linux
  }
  return out;
}

export function tcpDelta(before: TcpCounters, after: TcpCounters = tcpCounters()): TcpCounters {
  return {
    listenOverflows: after.listenOverflows - before.listenOverflows,
    listenDrops: after.listenDrops - before.listenDrops,
    synRetrans: after.synRetrans - before.synRetrans,
  };
}

/** One of the bench's own processes, pinned to `core`. */
export interface OwnProc {
  name: string;
  pid: number;
  core: number;
}

/** The bench's own processes, for per-process CPU and the foreign-load figure. */
let ownProcs: OwnProc[] = [];
export function setOwnProcs(procs: OwnProc[]): void {
  ownProcs = procs;
}

/** A CPU window's readings, all in % of one core. */
export interface CpuReading {
  wallMs: number;
  selfPct: number;
  otherPct: number | null;
  coresPct: number[];
  /** Per core: busy time not accounted for by the bench's own processes pinned there. */
  foreignPct: number[];
  /** CPU of each of the bench's own processes, by name. */
  procsPct: Record<string, number>;
  /**
   * The window on CLOCK_MONOTONIC in µs: the clock V8 stamps CPU-profile samples with, so a
   * server's profile can be cut to exactly this window.
   */
  monoUs: [number, number][];
}

/** CLOCK_MONOTONIC in µs (what process.hrtime and V8's profiler use on Linux). */
export const monoUs = () => Number(process.hrtime.bigint() / 1000n);

/** CPU use over a window: this process, an optional other process, and each core. */
export class CpuWindow {
  private readonly startMs = performance.now();
  private readonly startMonoUs = monoUs();
  private readonly startSelf = process.cpuUsage();
  private readonly startOther: number | null;
  private readonly startCores = coreTicks();
  private readonly procs = ownProcs;
  private readonly startOwn = ownProcs.map((p) => processCpuSeconds(p.pid));

  constructor(private readonly otherPid: number | null) {
    this.startOther = otherPid === null ? null : processCpuSeconds(otherPid);
  }

  /** Percent of one core for each, over the time since construction. */
  stop(): CpuReading {
    const wallMs = Math.max(1, performance.now() - this.startMs);
    const self = process.cpuUsage(this.startSelf);
    const selfPct = ((self.user + self.system) / 1000 / wallMs) * 100;
    let otherPct: number | null = null;
    if (this.otherPid !== null && this.startOther !== null) {
      const now = processCpuSeconds(this.otherPid);
      if (now !== null) otherPct = (((now - this.startOther) * 1000) / wallMs) * 100;
    }
    const cores = coreTicks();
    const coresPct = cores.map((c, i) => {
      const s = this.startCores[i];
      if (!s || c.total === s.total) return 0;
      return ((c.busy - s.busy) / (c.total - s.total)) * 100;
    });
    const procsPct: Record<string, number> = {};
    const ownByCore: number[] = coresPct.map(() => 0);
    this.procs.forEach((p, k) => {
      const start = this.startOwn[k];
      const now = processCpuSeconds(p.pid);
      if (start === null || start === undefined || now === null) return;
      const pct = (((now - start) * 1000) / wallMs) * 100;
      procsPct[p.name] = Math.round(pct * 10) / 10;
      ownByCore[p.core] = (ownByCore[p.core] ?? 0) + pct;
    });
    const foreignPct = coresPct.map((busy, core) => Math.max(0, busy - (ownByCore[core] ?? 0)));
    return {
      wallMs,
      selfPct,
      otherPct,
      coresPct,
      foreignPct,
      procsPct,
      monoUs: [[this.startMonoUs, monoUs()]],
    };
  }
}
