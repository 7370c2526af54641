/**
 * Summarises a V8 .cpuprofile (from `node --cpu-prof`): self time per function and per
 * module, highest first. Used by `BENCH_PROFILE=1 npm run bench` and bench/profile-summary.ts.
 */
import fs from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileLine {
  name: string;
  selfMs: number;
  pct: number;
}

export interface ProfileSummary {
  file: string;
  /** Only samples inside these CLOCK_MONOTONIC windows (µs) were counted; null = all. */
  windows: [number, number][] | null;
  totalMs: number;
  /** Time not idle (everything but "(idle)"). */
  busyMs: number;
  functions: ProfileLine[];
  modules: ProfileLine[];
}

/** Short module name for a script URL. */
function moduleOf(url: string): string {
  if (url === '') return '(native / VM)';
  if (url.startsWith('node:')) {
    const parts = url.slice(5).split('/');
    return `node:${parts.slice(0, parts[0] === 'internal' ? 3 : 1).join('/')}`;
  }
  const nm = url.lastIndexOf('/node_modules/');
  if (nm !== -1) {
    const rest = url.slice(nm + 14).split('/');
    return (rest[0] ?? '').startsWith('@') ? `${rest[0]}/${rest[1]}` : (rest[0] ?? url);
  }
  const dist = url.indexOf('/dist/');
  return dist !== -1 ? url.slice(dist + 1) : url.replace(/^file:\/\//, '');
}

/**
 * Reads and summarises one profile; `top` lines per list. With `windows` (CLOCK_MONOTONIC µs,
 * the clock V8 stamps samples with), only samples inside them count.
 */
export function summariseProfile(
  file: string,
  top = 20,
  windows: [number, number][] | null = null,
): ProfileSummary {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfByNode = new Map<number, number>();
  const { samples, timeDeltas } = profile;
  let at = profile.startTime;
  for (let i = 0; i < samples.length; i++) {
    at += timeDeltas[i] ?? 0;
    if (windows !== null && !windows.some(([from, to]) => at >= from && at <= to)) continue;
    // timeDeltas[i + 1] is the time until the next sample: the time this sample stood for.
    const us = timeDeltas[i + 1] ?? 0;
    const id = samples[i] as number;
    selfByNode.set(id, (selfByNode.get(id) ?? 0) + us);
  }
  const fns = new Map<string, number>();
  const mods = new Map<string, number>();
  let totalUs = 0;
  let idleUs = 0;
  for (const [id, us] of selfByNode) {
    const node = byId.get(id);
    if (!node) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    totalUs += us;
    if (functionName === '(idle)') {
      idleUs += us;
      continue;
    }
    const mod = functionName.startsWith('(') ? functionName : moduleOf(url);
    const name =
      `${functionName || '(anonymous)'} ${url ? `${moduleOf(url)}:${lineNumber + 1}` : ''}`.trim();
    fns.set(name, (fns.get(name) ?? 0) + us);
    mods.set(mod, (mods.get(mod) ?? 0) + us);
  }
  const busyUs = totalUs - idleUs;
  const lines = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({
        name,
        selfMs: Math.round(us / 100) / 10,
        pct: busyUs === 0 ? 0 : Math.round((us / busyUs) * 1000) / 10,
      }));
  return {
    file,
    windows,
    totalMs: Math.round(totalUs / 1000),
    busyMs: Math.round(busyUs / 1000),
    functions: lines(fns),
    modules: lines(mods),
  };
}

/** Plain-text rendering. */
export function formatProfile(summary: ProfileSummary): string {
  const out = [
    `profile ${summary.file}`,
    summary.windows === null
      ? 'whole process lifetime'
      : `only the measured windows: ${summary.windows.map(([a, b]) => `${((b - a) / 1000).toFixed(0)} ms`).join(', ')}`,
    `total ${summary.totalMs} ms, busy (not idle) ${summary.busyMs} ms; % below are of busy time`,
    '',
    'top self time by function:',
    ...summary.functions.map(
      (l) => `  ${l.pct.toFixed(1).padStart(5)}%  ${l.selfMs.toFixed(1).padStart(8)} ms  ${l.name}`,
    ),
    '',
    'self time by module:',
    ...summary.modules.map(
      (l) => `  ${l.pct.toFixed(1).padStart(5)}%  ${l.selfMs.toFixed(1).padStart(8)} ms  ${l.name}`,
    ),
  ];
  return out.join('\n');
}
