/**
 * `npm run bench`: starts redis-server, the compiled service (production settings, pinned to
 * core 0), the naive baseline and nchan (nginx + libnginx-mod-nchan, one process, Redis
 * storage; both also core 0, idle while another system is measured) and the load generator
 * (core 1, with redis). Each scenario runs back to back, with the same generator, against
 * spoolcast fed by plain PUBLISH, spoolcast fed by POST /api/events, the baseline and nchan;
 * every delivery is checked, the verdicts are ratios against the peers (bench/README.md),
 * and the results go to bench/results/<stamp>.json and <stamp>.html (table + charts).
 *
 * Options (see bench/README.md):
 *   --quick                 smoke run (short scenarios, one burst, 10k clients kept)
 *   --scenario <names>      comma-separated subset: memory, steady-1k-10, steady-1k-100,
 *                           steady-50-100, filtered (adds steady-1k-100 and
 *                           steady-50-100, its references), burst, steady-10k-10,
 *                           storm, pool
 *   --target-url <url>      measure this server instead of starting spoolcast (loopback only)
 *   --publish <method>      for --target-url: redis://host:port (PUBLISH on --channel) or http-post
 *   --channel <name>        input channel for --publish redis://… (default spools:updates)
 *   --stream-path <path>    SSE path (default /api/sse/stream)
 *   --target-pid <pid>      server pid for CPU and RSS readings of --target-url
 *   --skip-baseline         do not run the naive baseline
 *   --skip-nchan            do not run nchan
 *   --skip-post             do not run spoolcast's POST /api/events variant
 *   --strict                exit 3 when a target is missed
 * Env: BENCH_PROFILE=1 runs the service under --cpu-prof and prints its top self-time functions.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { goalRows, type IdleRss } from './lib/goals.js';
import { type OwnProc, processCpuSeconds, rssKiB } from './lib/meters.js';
import { findOrInstallNchan, type NchanPeer, nchanVersions, startNchan } from './lib/nchan.js';
import { freePort, type Proc, Procs, startRedis, waitForHttp200 } from './lib/procs.js';
import { formatProfile, type ProfileSummary, summariseProfile } from './lib/profile.js';
import type {
  FromGenerator,
  RunResult,
  ScenarioSpec,
  TargetSpec,
  ToGenerator,
} from './lib/protocol.js';
import { formatContext, formatGoals, formatHtml, formatTable } from './lib/report.js';
import {
  FILTERED_COMPANIONS,
  FILTERED_REFERENCE,
  type Outcome,
  type Outcomes,
  PEERS,
  type PoolResult,
  poolRow,
  type Row,
  rowsFor,
  SCENARIO_NAMES,
  type ScenarioName,
  SPOOLCAST_ONLY,
  scenarioSpecs,
} from './lib/scenarios.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RESULTS_DIR = path.join(ROOT, 'bench', 'results');
const SERVICE_CORE = 0;
const GENERATOR_CORE = 1;
const SPOOLS_CHANNEL = 'spools:updates';
const BASELINE_CHANNEL = 'bench:naive';
/** nchan's message buffer per channel: spoolcast's default HISTORY_SIZE, the same replay depth. */
const NCHAN_HISTORY = 10_000;

const { values: opts } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    scenario: { type: 'string', multiple: true },
    'target-url': { type: 'string' },
    publish: { type: 'string' },
    channel: { type: 'string', default: SPOOLS_CHANNEL },
    'stream-path': { type: 'string', default: '/api/sse/stream' },
    'target-pid': { type: 'string' },
    'skip-baseline': { type: 'boolean', default: false },
    'skip-nchan': { type: 'boolean', default: false },
    'skip-post': { type: 'boolean', default: false },
    strict: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});

if (opts.help) {
  const source = fs.readFileSync(fileURLToPath(import.meta.url), 'utf8');
  process.stdout.write(
    `${(/\/\*\*([\s\S]*?)\*\//.exec(source)?.[1] ?? '').replace(/^ \* ?/gm, '')}\n`,
  );
  process.exit(0);
}

const say = (text: string) => process.stdout.write(`[bench] ${text}\n`);

function selectedScenarios(): ScenarioName[] {
  const asked = (opts.scenario ?? [])
    .flatMap((s) => s.split(','))
    .map((s) => s.trim())
    .filter(Boolean);
  if (asked.length === 0) return [...SCENARIO_NAMES];
  for (const name of asked) {
    if (!(SCENARIO_NAMES as readonly string[]).includes(name)) {
      throw new Error(`unknown scenario "${name}"; known: ${SCENARIO_NAMES.join(', ')}`);
    }
  }
  // The filtered scenario is shown beside, and judged against, unfiltered runs.
  const companions = FILTERED_COMPANIONS.filter((c) => !asked.includes(c));
  if (asked.includes('filtered') && companions.length > 0) {
    say(`filtered comes with ${companions.join(' and ')}: running them too`);
    asked.push(...companions);
  }
  return SCENARIO_NAMES.filter((n) => asked.includes(n));
}

function isLoopback(url: string): boolean {
  const host = new URL(url).hostname;
  return host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * What exactly was measured: the commit, whether src/ differs from it, a hash of the compiled
 * JavaScript the service loads, and any compiled file without a source in src/ (dist/ is
 * shared: someone else's build can leave files there).
 */
function buildInfo(): Record<string, unknown> {
  const git = (...args: string[]) => {
    try {
      return execFileSync('git', ['--no-optional-locks', ...args], {
        cwd: ROOT,
        encoding: 'utf8',
      }).trim();
    } catch {
      return null;
    }
  };
  const files: string[] = [];
  const walk = (dir: string) => {
    if (!fs.existsSync(dir)) return;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.js')) files.push(full);
    }
  };
  walk(path.join(ROOT, 'dist', 'src'));
  walk(path.join(ROOT, 'dist', 'workers'));
  files.sort();
  const hash = createHash('sha1');
  let newestMs = 0;
  for (const file of files) {
    hash.update(file).update(fs.readFileSync(file));
    newestMs = Math.max(newestMs, fs.statSync(file).mtimeMs);
  }
  const withoutSource = files
    .map((f) => path.relative(path.join(ROOT, 'dist'), f))
    .filter((rel) => !fs.existsSync(path.join(ROOT, rel.replace(/\.js$/, '.ts'))));
  return {
    commit: git('rev-parse', 'HEAD'),
    srcChanges:
      git('status', '--porcelain', '--', 'src', 'workers')?.split('\n').filter(Boolean) ?? null,
    distSha1: hash.digest('hex'),
    distFiles: files.length,
    distNewest: newestMs > 0 ? new Date(newestMs).toISOString() : null,
    distWithoutSource: withoutSource,
  };
}

/** Upper bound for one scenario run, so a stuck run cannot hold the bench. */
function runTimeoutMs(spec: ScenarioSpec): number {
  const open = 70_000;
  switch (spec.kind) {
    case 'steady':
      return open + (spec.durationS + spec.drainTimeoutS + 15) * 1000;
    case 'burst':
      return open + spec.repeats * (spec.drainTimeoutS + 2) * 1000 + 15_000;
    case 'storm':
      return 20_000 + spec.waitS * 1000 + 30_000;
    case 'memory':
      return open + spec.settleMs * 2 + 15_000;
  }
}

/** Talks to the generator process over IPC. */
class Generator {
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve: (r: RunResult) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }
  >();
  readonly ready: Promise<void>;

  constructor(
    readonly proc: Proc,
    private readonly ownProcs: OwnProc[],
  ) {
    let onReady: () => void = () => undefined;
    this.ready = new Promise<void>((resolve, reject) => {
      onReady = resolve;
      setTimeout(
        () => reject(new Error(`generator not ready within 30 s:\n${proc.tail()}`)),
        30_000,
      ).unref();
      void proc.exited.then(() => reject(new Error(`generator exited:\n${proc.tail()}`)));
    });
    proc.child.on('message', (message: FromGenerator) => {
      if (message.type === 'ready') onReady();
      else if (message.type === 'log') say(`  ${message.text}`);
      else {
        const waiter = this.pending.get(message.id);
        if (!waiter) return;
        this.pending.delete(message.id);
        clearTimeout(waiter.timer);
        if (message.type === 'result') waiter.resolve(message.result);
        else waiter.reject(new Error(message.message));
      }
    });
    void proc.exited.then(() => {
      for (const [id, waiter] of this.pending) {
        clearTimeout(waiter.timer);
        waiter.reject(new Error(`generator exited during run ${id}:\n${proc.tail()}`));
      }
      this.pending.clear();
    });
  }

  run(target: TargetSpec, scenario: ScenarioSpec): Promise<RunResult> {
    const id = this.nextId++;
    const timeoutMs = runTimeoutMs(scenario);
    return new Promise<RunResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(
          new Error(`${scenario.name} on ${target.name} did not finish within ${timeoutMs} ms`),
        );
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      const message: ToGenerator = {
        type: 'run',
        id,
        target,
        scenario,
        ownProcs: this.ownProcs,
      };
      this.proc.child.send(message);
    });
  }

  exit(): void {
    if (this.proc.child.connected) this.proc.child.send({ type: 'exit' } satisfies ToGenerator);
  }
}

function summaryLine(r: RunResult): string {
  const parts = [`${r.server} ${r.scenario}:`];
  if (r.latency)
    parts.push(`p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, max ${r.latency.max} ms;`);
  if (r.eventStats)
    parts.push(
      `publish→first client p50 ${r.eventStats.firstP50} / p99 ${r.eventStats.firstP99} ms, first→last client p50 ${r.eventStats.spreadP50} / p99 ${r.eventStats.spreadP99} ms;`,
    );
  if (r.bursts) parts.push(`bursts ${r.bursts.map((b) => `${b.deliveriesPerS}/s`).join(', ')};`);
  if (r.memory)
    parts.push(
      `RSS ${r.memory.rssBeforeKiB} → ${r.memory.rssAfterKiB} KiB = ${r.memory.perConnKiB} KiB/conn;`,
    );
  if (r.storm)
    parts.push(
      `all streaming ${r.storm.allStreamingMs ?? '—'} ms (p50 ${r.storm.p50StreamingMs}), replay ${r.storm.replay};`,
    );
  parts.push(
    `delivered ${r.delivered}/${r.expected}, missing ${r.missing}, dup/ooo ${r.outOfOrder};`,
    `server CPU ${r.serverCpuPct ?? '—'}%, gen CPU ${r.genCpuPct}%, cores ${r.coreBusyPct.map((c) => `${Math.round(c)}%`).join('/')}`,
  );
  if (r.notes.length > 0) parts.push(`\n          notes: ${r.notes.join('; ')}`);
  return parts.join(' ');
}

async function runPoolBench(
  procs: Procs,
  mode: 'pool' | 'inline',
  quick: boolean,
): Promise<PoolResult> {
  const proc = procs.spawn(`pool-${mode}`, SERVICE_CORE, process.execPath, [
    '--import',
    'tsx',
    path.join(ROOT, 'bench', 'pool-bench.ts'),
    '--mode',
    mode,
    '--seconds',
    quick ? '1.5' : '4',
    '--warmup',
    quick ? '0.5' : '3',
  ]);
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), 60_000);
  const code = await proc.exited;
  clearTimeout(timer);
  const line = proc
    .tail()
    .trim()
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('{'));
  if (code !== 0 || !line)
    throw new Error(`pool bench (${mode}) failed (exit ${code}):\n${proc.tail()}`);
  return JSON.parse(line) as PoolResult;
}

/** Keeps nginx's error.log with the other logs and removes nchan's temp dir. */
function keepNchanLog(dir: string | null, logDir: string): void {
  if (dir === null) return;
  try {
    const log = path.join(dir, 'error.log');
    if (fs.existsSync(log)) {
      fs.mkdirSync(logDir, { recursive: true });
      fs.copyFileSync(log, path.join(logDir, 'nchan-error.log'));
    }
    fs.rmSync(dir, { recursive: true, force: true });
  } catch {
    // Best effort: a leftover temp dir is not worth failing the run for.
  }
}

async function main(): Promise<number> {
  const quick = opts.quick === true;
  let scenarios: ScenarioName[];
  try {
    scenarios = selectedScenarios();
  } catch (error) {
    say((error as Error).message);
    return 64;
  }
  const profile = process.env.BENCH_PROFILE === '1';
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const logDir = path.join(RESULTS_DIR, `${stamp}-logs`);
  const profileDir = path.join(RESULTS_DIR, `${stamp}-profile`);
  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const procs = new Procs(logDir);
  const started = performance.now();
  const loadBefore = os.loadavg();

  let stopping: Promise<void> | null = null;
  const stopAll = () => {
    stopping ??= procs.stopAll(profile ? 20_000 : 5000);
    return stopping;
  };
  const onSignal = (signal: NodeJS.Signals, code: number) => {
    say(`${signal}: stopping every process this bench started`);
    void stopAll().finally(() => process.exit(code));
  };
  process.once('SIGINT', () => onSignal('SIGINT', 130));
  process.once('SIGTERM', () => onSignal('SIGTERM', 143));
  process.once('exit', () => procs.killAllNow());
  // The whole run is bounded too.
  // Four systems per scenario: a full run took 398 s here (2026-12).
  const deadlineMs = (quick ? 10 : 30) * 60_000;
  const deadline = setTimeout(() => {
    say(`the whole bench exceeded ${deadlineMs / 60_000} min; stopping`);
    void stopAll().finally(() => process.exit(2));
  }, deadlineMs);

  let nchanDir: string | null = null;
  if (!procs.pinning) say('WARNING: taskset not found; processes are NOT pinned to cores');
  if (os.availableParallelism() < 2)
    say('WARNING: fewer than 2 cores; service and generator share one');
  say(
    `load average at start: ${loadBefore.map((l) => l.toFixed(2)).join(' ')} (the machine is shared)`,
  );

  try {
    // --- servers ------------------------------------------------------------------------
    const targets: TargetSpec[] = [];
    let build: Record<string, unknown> | null = null;
    // The bench's own processes per core, so the rest of each core's load shows as foreign.
    const ownProcs: OwnProc[] = [];
    const own = (core: number, proc: { name: string; pid: number }) =>
      ownProcs.push({ name: proc.name, pid: proc.pid, core });
    const needsServers = scenarios.some((s) => s !== 'pool');
    let redisUrl: string | null = null;
    let redisPid: number | null = null;
    let spoolcast: Proc | null = null;
    let baseline: Proc | null = null;
    let nchan: NchanPeer | null = null;
    let versions: Record<string, string> = {};
    if (needsServers) {
      // A fresh machine after `npm install` may lack redis-server: the shared starter finds
      // or installs it the way the tests do (apt as root), else stops with the instruction.
      const redis = await startRedis(procs, GENERATOR_CORE);
      redisUrl = redis.url;
      redisPid = redis.proc.pid;
      own(GENERATOR_CORE, redis.proc);
      say(`redis-server ${redis.url} (pid ${redis.proc.pid}, core ${GENERATOR_CORE})`);
    }
    if (needsServers && opts['target-url']) {
      const url = opts['target-url'].replace(/\/$/, '');
      if (!isLoopback(url)) throw new Error(`--target-url must be a loopback address, got ${url}`);
      const publish = opts.publish ?? 'http-post';
      targets.push({
        name: 'target',
        url,
        streamPath: opts['stream-path'] ?? '/api/sse/stream',
        publish:
          publish === 'http-post'
            ? { kind: 'http-post', url }
            : { kind: 'redis', url: publish, channel: opts.channel ?? SPOOLS_CHANNEL },
        pid: opts['target-pid'] ? Number(opts['target-pid']) : null,
        redisPid,
      });
      // Counted as the service core's own load (pin the target there for fair figures).
      if (opts['target-pid'])
        own(SERVICE_CORE, { name: 'target', pid: Number(opts['target-pid']) });
      await waitForHttp200(`${url}/healthz`, null, 10_000).catch(() =>
        say(`note: ${url}/healthz did not answer 200; trying the scenarios anyway`),
      );
    } else if (needsServers && redisUrl) {
      const main = path.join(ROOT, 'dist', 'src', 'main.js');
      if (!fs.existsSync(main)) throw new Error('dist/src/main.js is missing: run `npm run build`');
      build = buildInfo();
      say(
        `measuring commit ${String(build.commit).slice(0, 12)}${(build.srcChanges as string[] | null)?.length ? ' + uncommitted changes in src/' : ''}, dist sha1 ${String(build.distSha1).slice(0, 12)}`,
      );
      const stray = build.distWithoutSource as string[];
      if (stray.length > 0) {
        say(
          `WARNING: dist/ holds ${stray.length} compiled file(s) with no source in src/ (another build?): ${stray.slice(0, 5).join(', ')}${stray.length > 5 ? ', …' : ''}`,
        );
      }
      const port = await freePort();
      const nodeArgs = profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
      spoolcast = procs.spawn('spoolcast', SERVICE_CORE, process.execPath, [...nodeArgs, main], {
        cwd: ROOT,
        env: {
          ...process.env,
          NODE_ENV: 'production',
          REDIS_URL: redisUrl,
          PORT: String(port),
          HOST: '127.0.0.1',
          LOG_LEVEL: 'warn',
          POOL_THREADS: '1',
          SSE_PING_INTERVAL_S: '3600',
          SPOOLS_CHANNEL,
        },
      });
      const url = `http://127.0.0.1:${port}`;
      own(SERVICE_CORE, spoolcast);
      await waitForHttp200(`${url}/readyz`, spoolcast, 30_000);
      say(
        `spoolcast ${url} (pid ${spoolcast.pid}, core ${SERVICE_CORE}, POOL_THREADS=1${profile ? ', --cpu-prof' : ''})`,
      );
      targets.push({
        name: 'spoolcast',
        url,
        streamPath: '/api/sse/stream',
        publish: { kind: 'redis', url: redisUrl, channel: SPOOLS_CHANNEL },
        pid: spoolcast.pid,
        redisPid,
      });
      // The same process fed the other way a producer can: POST /api/events (validated in
      // the route, stored and announced; one pool pass).
      if (!opts['skip-post']) {
        targets.push({
          name: 'spoolcast-post',
          url,
          streamPath: '/api/sse/stream',
          publish: { kind: 'http-post', url, path: '/api/events' },
          pid: spoolcast.pid,
          redisPid,
        });
      }
    }
    if (needsServers && redisUrl && !opts['skip-baseline']) {
      const port = await freePort();
      const naive = procs.spawn(
        'baseline',
        SERVICE_CORE,
        process.execPath,
        ['--import', 'tsx', path.join(ROOT, 'bench', 'naive-server.ts')],
        {
          cwd: ROOT,
          env: {
            ...process.env,
            NODE_ENV: 'production',
            REDIS_URL: redisUrl,
            PORT: String(port),
            HOST: '127.0.0.1',
            CHANNEL: BASELINE_CHANNEL,
          },
        },
      );
      baseline = naive;
      const url = `http://127.0.0.1:${port}`;
      own(SERVICE_CORE, naive);
      await waitForHttp200(`${url}/readyz`, naive, 30_000);
      say(`baseline (naive) ${url} (pid ${naive.pid}, core ${SERVICE_CORE})`);
      targets.push({
        name: 'baseline',
        url,
        streamPath: '/api/sse/stream',
        publish: { kind: 'redis', url: redisUrl, channel: BASELINE_CHANNEL },
        pid: naive.pid,
        redisPid,
      });
    }
    if (needsServers && redisUrl && !opts['skip-nchan']) {
      const install = await findOrInstallNchan(say);
      versions = nchanVersions(install);
      nchan = await startNchan(procs, install, SERVICE_CORE, redisUrl, NCHAN_HISTORY);
      nchanDir = nchan.dir;
      own(SERVICE_CORE, nchan.proc);
      say(
        `nchan ${nchan.url} (nginx ${versions.nginx}, libnginx-mod-nchan ${versions.nchan}, pid ${nchan.proc.pid}, core ${SERVICE_CORE}, Redis storage, fed by POST)`,
      );
      targets.push({
        name: 'nchan',
        url: nchan.url,
        streamPath: '/api/sse/stream',
        publish: { kind: 'http-post', url: nchan.url, path: '/api/events' },
        pid: nchan.proc.pid,
        redisPid,
      });
    }

    let generator: Generator | null = null;
    if (needsServers) {
      generator = new Generator(
        procs.spawn(
          'generator',
          GENERATOR_CORE,
          process.execPath,
          [
            ...(process.env.BENCH_PROFILE_GENERATOR === '1'
              ? ['--cpu-prof', `--cpu-prof-dir=${path.join(profileDir, 'generator')}`]
              : []),
            '--import',
            'tsx',
            path.join(ROOT, 'bench', 'generator.ts'),
          ],
          {
            cwd: ROOT,
            ipc: true,
          },
        ),
        ownProcs,
      );
      own(GENERATOR_CORE, generator.proc);
      await generator.ready;
      say(`generator pid ${generator.proc.pid}, core ${GENERATOR_CORE}`);
    }

    // Each server idle: started and ready, before any stream was opened; its RSS at the
    // end of a settle, and its CPU over the settle (timers, threads: what every event's
    // CPU figure also carries).
    let idleRss: IdleRss | null = null;
    let idleCpuPct: Record<string, number | null> | null = null;
    if (needsServers) {
      // spoolcast-post is the same process as spoolcast.
      const idleTargets = targets.filter((t) => t.name !== 'spoolcast-post' && t.pid !== null);
      const pidOf = (t: TargetSpec) => t.pid as number;
      const cpuBefore = idleTargets.map((t) => processCpuSeconds(pidOf(t)));
      const settleMs = quick ? 1000 : 3000;
      const t0 = performance.now();
      await sleep(settleMs);
      const wallS = (performance.now() - t0) / 1000;
      const idle: IdleRss = {};
      const cpu: Record<string, number | null> = {};
      idleTargets.forEach((t, i) => {
        idle[t.name] = rssKiB(pidOf(t));
        const before = cpuBefore[i];
        const after = processCpuSeconds(pidOf(t));
        cpu[t.name] =
          before === null || before === undefined || after === null
            ? null
            : Math.round(((after - before) / wallS) * 1000) / 10;
      });
      if (redisPid !== null) idle.redis = rssKiB(redisPid);
      idleRss = idle;
      idleCpuPct = cpu;
      say(
        `idle before any stream: ${idleTargets
          .map((t) => {
            const k = idle[t.name];
            return `${t.name} ${k === null || k === undefined ? '—' : `${(k / 1024).toFixed(1)} MiB`} RSS, ${cpu[t.name] ?? '—'}% CPU`;
          })
          .join('; ')}`,
      );
    }

    // --- scenarios ----------------------------------------------------------------------
    const specs = scenarioSpecs(quick);
    const results: RunResult[] = [];
    const rows: Row[] = [];
    const byScenario = new Map<string, Outcomes>();
    const errors: string[] = [];
    let pool: { sc: PoolResult | { error: string }; base: PoolResult | { error: string } } | null =
      null;
    for (const name of scenarios) {
      say(`── ${name}${quick ? ' (quick)' : ''}`);
      if (name === 'pool') {
        const attempt = async (mode: 'pool' | 'inline') => {
          try {
            const r = await runPoolBench(procs, mode, quick);
            say(
              `  ${mode}: ${r.eventsPerS} events/s (${r.events} in ${r.seconds} s, CPU ${r.cpuPct}%)`,
            );
            return r;
          } catch (error) {
            errors.push(`pool ${mode}: ${(error as Error).message}`);
            return { error: (error as Error).message };
          }
        };
        pool = { sc: await attempt('pool'), base: await attempt('inline') };
        rows.push(poolRow(pool));
        continue;
      }
      if (!generator) throw new Error('no generator');
      const spec = specs[name];
      const outcomes = new Map<string, Outcome>();
      byScenario.set(name, outcomes);
      for (const target of targets) {
        // Idle connections cost the same however events would be published.
        if (name === 'memory' && target.name === 'spoolcast-post') continue;
        // The baseline and nchan have no filters: the filtered scenario and its reference
        // are spoolcast's alone.
        if (SPOOLCAST_ONLY.includes(name) && PEERS.includes(target.name)) continue;
        try {
          const result = await generator.run(target, spec);
          results.push(result);
          outcomes.set(target.name, result);
          say(`  ${summaryLine(result)}`);
        } catch (error) {
          const message = (error as Error).message;
          errors.push(`${name} on ${target.name}: ${message}`);
          outcomes.set(target.name, { error: message });
          say(`  ${target.name} ${name}: ERROR ${message}`);
        }
      }
      rows.push(...rowsFor(name, outcomes, byScenario.get(FILTERED_REFERENCE)));
    }
    // A server that died during the run (a crash shows in its log, nchan's in nchan-error.log)
    // makes every later comparison against it meaningless: say so.
    for (const proc of [spoolcast, baseline, nchan?.proc ?? null]) {
      if (proc === null) continue;
      const { exitCode, signalCode } = proc.child;
      if (exitCode !== null || signalCode !== null) {
        const text = `${proc.name} exited during the run (${signalCode ?? `code ${exitCode}`}); see its log`;
        say(text);
        errors.push(text);
      }
    }
    if (generator) {
      generator.exit();
      await Promise.race([generator.proc.exited, new Promise((r) => setTimeout(r, 10_000))]);
    }

    // --- profile ------------------------------------------------------------------------
    // One summary per way of feeding spoolcast (same process, different measured windows).
    const profileSummaries: Record<string, ProfileSummary> = {};
    if (profile && spoolcast) {
      say('stopping spoolcast so it writes its CPU profile…');
      await procs.stop(spoolcast, 20_000);
      const files = fs.existsSync(profileDir)
        ? fs.readdirSync(profileDir).filter((f) => f.endsWith('.cpuprofile'))
        : [];
      const newest = files
        .map((f) => path.join(profileDir, f))
        .sort((a, b) => fs.statSync(b).size - fs.statSync(a).size)[0];
      // Cut to the measured windows of the service's runs (burst: the bursts themselves).
      for (const variant of ['spoolcast', 'spoolcast-post']) {
        const windows = results.filter((r) => r.server === variant).flatMap((r) => r.windowsMonoUs);
        if (newest && windows.length > 0)
          profileSummaries[variant] = summariseProfile(newest, 25, windows);
      }
      if (!newest) say('no .cpuprofile was written');
    }

    // --- report -------------------------------------------------------------------------
    const table = formatTable(rows);
    const goals = goalRows(byScenario, idleRss, idleCpuPct);
    const context = formatContext(results);
    process.stdout.write(
      `\n${table}\n${goals.length > 0 ? `\nGoals\n${formatGoals(goals)}\n` : ''}\n${context}\n`,
    );
    for (const [variant, summary] of Object.entries(profileSummaries))
      process.stdout.write(`\n${variant} — ${formatProfile(summary)}\n`);
    const meta = {
      stamp,
      quick,
      scenarios,
      argv: process.argv.slice(2),
      elapsedS: Math.round((performance.now() - started) / 1000),
      machine: {
        cpus: os.availableParallelism(),
        model: os.cpus()[0]?.model,
        memMiB: Math.round(os.totalmem() / 2 ** 20),
        node: process.version,
        kernel: os.release(),
        loadavgBefore: loadBefore,
        loadavgAfter: os.loadavg(),
      },
      pinning: procs.pinning
        ? {
            service: SERVICE_CORE,
            baseline: SERVICE_CORE,
            poolBench: SERVICE_CORE,
            nchan: SERVICE_CORE,
            generator: GENERATOR_CORE,
            redis: GENERATOR_CORE,
          }
        : 'none (taskset missing)',
      build,
      versions,
      idleRssKiB: idleRss,
      idleCpuPct,
      targets,
      specs: Object.fromEntries(
        scenarios.filter((s) => s !== 'pool').map((s) => [s, specs[s as keyof typeof specs]]),
      ),
      errors,
    };
    const json = { ...meta, rows, goals, results, pool, profile: profileSummaries };
    const jsonFile = path.join(RESULTS_DIR, `${stamp}.json`);
    const htmlFile = path.join(RESULTS_DIR, `${stamp}.html`);
    fs.writeFileSync(jsonFile, `${JSON.stringify(json, null, 2)}\n`);
    fs.writeFileSync(
      htmlFile,
      formatHtml(`spoolcast bench ${stamp}${quick ? ' (quick)' : ''}`, rows, goals, results, meta),
    );
    say(
      `wrote ${path.relative(ROOT, jsonFile)} and ${path.relative(ROOT, htmlFile)} (logs in ${path.relative(ROOT, logDir)})`,
    );
    say(`finished in ${meta.elapsedS} s`);
    if (errors.length > 0) {
      say(`${errors.length} run(s) failed:\n  ${errors.join('\n  ')}`);
      return 1;
    }
    if (
      opts.strict &&
      // Rows without a verdict (the pool, the filtered scenario's reference) do not count.
      (rows.some((r) => r.verdict !== 'met' && r.verdict !== 'n/a') ||
        goals.some((g) => g.verdict !== 'met' && g.verdict !== 'reported'))
    )
      return 3;
    return 0;
  } finally {
    clearTimeout(deadline);
    await stopAll();
    keepNchanLog(nchanDir, logDir);
  }
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    process.stderr.write(`[bench] failed: ${error.stack ?? error.message}\n`);
    process.exit(1);
  },
);
