/**
 * The goals of "cheaper per screen" (issue 18) and of the filtered fan-out (issue 15), each
 * one verdict row per way of feeding spoolcast, from the scenarios' results in the same run
 * (bench/README.md, "Goals"): server CPU per delivery at 1,000 × 100/s with p99, the
 * burst's median publish → delivery latency over all deliveries and its deliveries/s,
 * memory per stream at 10,000 idle streams, the idle process's RSS (reported, no goal),
 * the 10,000-stream reconnect storm, and the filtered fan-out's cost beside the unfiltered.
 * Every row carries the delivery check of every run it compares.
 */
import type { RunResult } from './protocol.js';
import {
  cpuPerDelivery,
  cpuPerEvent,
  deliveryIntact,
  FILTERED_BESIDE,
  FILTERED_CPU_FACTOR,
  FILTERED_REFERENCE,
  fmtMs,
  fmtRate,
  fmtUs,
  isResult,
  judge,
  type Outcome,
  type Outcomes,
  P99_CAP_MS,
  p50,
  p99,
  VARIANTS,
  type Verdict,
  type VerdictRow,
} from './scenarios.js';

/** One goal, for one way of feeding spoolcast. */
export interface GoalRow extends VerdictRow {
  goal: string;
}

/** Process RSS (KiB) right after start, before any stream, by target name. */
export type IdleRss = Record<string, number | null>;

/** The per-stream memory goal (issue 18 item 3), KiB of server RSS per idle stream. */
export const MEMORY_GOAL_KIB = 12;
/** The storm goal: every stream streaming within this factor of nchan's time. */
export const STORM_FACTOR = 1.3;
/** The burst goal: at least this many times nchan's deliveries/s (and median ≤ nchan's). */
export const BURST_RATE_FACTOR = 2;

const x = (ratio: number | null, what = '') =>
  ratio === null || !Number.isFinite(ratio) ? '—' : `${ratio.toFixed(2)}×${what}`;
const kib = (n: number | null | undefined) =>
  n === null || n === undefined ? '—' : `${n.toFixed(2)} KiB`;
const mib = (k: number | null | undefined) =>
  k === null || k === undefined ? '—' : `${(k / 1024).toFixed(1)} MiB`;

/** `ok`, or what went wrong, short. */
function shortDelivery(o: Outcome | undefined): string {
  if (o === undefined) return '—';
  if (!isResult(o)) return 'error';
  if (deliveryIntact(o)) return 'ok';
  if (o.storm && o.storm.replay !== 'complete') return `replay ${o.storm.replay}`;
  if (o.connectErrors > 0) return `${o.connectErrors} conn failed`;
  if (o.missing > 0) return `${o.missing} missing`;
  if (o.outOfOrder > 0) return `${o.outOfOrder} dup/ooo`;
  if ((o.unmatched ?? 0) > 0) return `${o.unmatched} unselected`;
  if (o.disconnects > 0) return `${o.disconnects} dropped`;
  return `${o.publishErrors} publish errors`;
}

const show = (o: Outcome | undefined, f: (r: RunResult) => string, absent = '—') =>
  o === undefined ? absent : isResult(o) ? f(o) : 'error';

/**
 * The verdict of one row: met or missed by `met` (null: nothing to compare), made
 * inconclusive by a saturated generator or noted as noisy (timing rules), and failed by a
 * spoolcast run that lost, duplicated or reordered a delivery; a compared peer run that did
 * not deliver everything makes a comparison inconclusive.
 */
function verdictOf(
  met: boolean | null,
  sc: RunResult,
  peers: { name: string; run: Outcome | undefined }[],
  timing: boolean,
): Verdict {
  const runs = [sc, ...peers.map((p) => p.run).filter(isResult)];
  if (met === null) return 'no peer';
  if (!deliveryIntact(sc)) return 'MISSED (delivery)';
  const broken = peers.find((p) => isResult(p.run) && !deliveryIntact(p.run));
  if (broken) return `inconclusive: ${broken.name} ${shortDelivery(broken.run)}`;
  return judge(met, runs, timing);
}

interface GoalSpec {
  goal: string;
  scenario: string;
  measure: string;
  rule: string;
  timing: boolean;
  /** false for an absolute goal: nchan's run is shown, not compared. */
  vsNchan: boolean;
  cell: (r: RunResult) => string;
  /** Whether the goal is met and the ratio text, against nchan; null: not comparable. */
  judge: (sc: RunResult, nchan: RunResult | null) => { met: boolean | null; ratio: string };
}

const MEMORY_GOAL = 'memory per stream, 10k idle';
const STORM_GOAL = '10k streams established (storm)';

const GOALS: GoalSpec[] = [
  {
    goal: 'CPU per delivery, 1k × 100/s',
    scenario: 'steady-1k-100',
    measure: 'server CPU/deliv, p99',
    rule: `CPU/deliv ≤ nchan's, p99 ≤ ${P99_CAP_MS} ms`,
    timing: true,
    vsNchan: true,
    cell: (r) => `${fmtUs(cpuPerDelivery(r))}, p99 ${fmtMs(p99(r))}`,
    judge: (sc, nchan) => {
      const mine = cpuPerDelivery(sc);
      const theirs = nchan ? cpuPerDelivery(nchan) : null;
      const latency = p99(sc);
      if (mine === null || theirs === null || latency === null) return { met: null, ratio: '—' };
      return {
        met: mine <= theirs && latency <= P99_CAP_MS,
        ratio: x(mine > 0 ? theirs / mine : null, ' CPU'),
      };
    },
  },
  {
    goal: 'burst, 1k events → 1k streams',
    scenario: 'burst',
    measure: 'median (all deliveries), deliv/s',
    rule: `median ≤ nchan's, deliv/s ≥ ${BURST_RATE_FACTOR} × nchan's`,
    timing: true,
    vsNchan: true,
    cell: (r) => `${fmtMs(p50(r))}, ${fmtRate(r.deliveriesPerS)}`,
    judge: (sc, nchan) => {
      const mine = p50(sc);
      const theirs = nchan ? p50(nchan) : null;
      if (!nchan || mine === null || theirs === null || nchan.deliveriesPerS <= 0)
        return { met: null, ratio: '—' };
      const rate = sc.deliveriesPerS / nchan.deliveriesPerS;
      return {
        met: mine <= theirs && rate >= BURST_RATE_FACTOR,
        ratio: `${x(rate, ' rate')}, ${x(mine > 0 ? theirs / mine : null, ' median')}`,
      };
    },
  },
  {
    goal: MEMORY_GOAL,
    scenario: 'memory',
    measure: 'server RSS growth / stream',
    rule: `≤ ${MEMORY_GOAL_KIB} KiB`,
    timing: false,
    vsNchan: false,
    cell: (r) => kib(r.memory?.perConnKiB),
    judge: (sc, nchan) => {
      const mine = sc.memory?.perConnKiB ?? null;
      const theirs = nchan?.memory?.perConnKiB ?? null;
      if (mine === null) return { met: null, ratio: '—' };
      return {
        met: mine <= MEMORY_GOAL_KIB,
        ratio: x(theirs !== null && mine > 0 ? theirs / mine : null),
      };
    },
  },
  {
    goal: STORM_GOAL,
    scenario: 'storm',
    measure: 'all streaming, all replayed',
    rule: `all streaming ≤ ${STORM_FACTOR} × nchan's, replay complete`,
    timing: true,
    vsNchan: true,
    cell: (r) =>
      r.storm
        ? `${r.storm.allStreamingMs === null ? `${r.storm.streaming}/${r.clients} streamed` : fmtMs(r.storm.allStreamingMs)}, ${r.storm.replay === 'complete' ? fmtMs(r.storm.allReplayedMs) : `replay ${r.storm.replay}`}`
        : '—',
    judge: (sc, nchan) => {
      if (!sc.storm || !nchan?.storm) return { met: null, ratio: '—' };
      const mine = sc.storm.allStreamingMs;
      const theirs = nchan.storm.allStreamingMs;
      const whole = sc.storm.replay === 'complete' && sc.storm.liveComplete === sc.clients;
      // A peer that did not get every stream up within the wait loses the race.
      if (mine === null) return { met: false, ratio: '—' };
      if (theirs === null) return { met: whole, ratio: '—' };
      return {
        met: whole && mine <= STORM_FACTOR * theirs,
        ratio: x(mine > 0 ? theirs / mine : null),
      };
    },
  },
];

/**
 * The goal rows from every scenario's outcomes in this run (by scenario name) and the idle
 * RSS read before any stream. A goal whose scenario did not run has no row.
 */
export function goalRows(
  byScenario: Map<string, Outcomes>,
  idle: IdleRss | null,
  idleCpuPct: Record<string, number | null> | null = null,
): GoalRow[] {
  const rows: GoalRow[] = [];
  const variantsOf = (outcomes: Outcomes) =>
    [...VARIANTS, { target: 'target', label: 'target' }].filter((v) => outcomes.has(v.target));
  for (const spec of GOALS) {
    const outcomes = byScenario.get(spec.scenario);
    if (!outcomes) continue;
    const base = outcomes.get('baseline');
    const nchan = outcomes.get('nchan');
    for (const v of variantsOf(outcomes)) {
      const sc = outcomes.get(v.target);
      const row: GoalRow = {
        goal: spec.goal,
        variant: spec.scenario === 'memory' ? '—' : v.label,
        measure: spec.measure,
        spoolcast: show(sc, spec.cell),
        baseline: show(base, spec.cell),
        nchan: show(nchan, spec.cell),
        rule: spec.rule,
        ratio: '—',
        verdict: 'error',
        delivered: [sc, base, nchan].map(shortDelivery).join(' / '),
      };
      if (isResult(sc)) {
        const judged = spec.judge(sc, isResult(nchan) ? nchan : null);
        row.ratio = judged.ratio;
        const peers = spec.vsNchan ? [{ name: 'nchan', run: nchan }] : [];
        row.verdict = verdictOf(judged.met, sc, peers, spec.timing);
      }
      rows.push(row);
    }
  }
  // The idle process goes with memory (issue 18 item 3), before the storm.
  const afterMemory = rows.findLastIndex((r) => r.goal === MEMORY_GOAL) + 1;
  const at = afterMemory > 0 ? afterMemory : rows.findIndex((r) => r.goal === STORM_GOAL);
  if (idle !== null) rows.splice(at >= 0 ? at : rows.length, 0, idleRow(idle, idleCpuPct ?? {}));
  rows.push(...filteredRows(byScenario));
  return rows;
}

/**
 * The idle process's RSS before any stream, and its CPU while idle (what it spends with
 * nothing to do): reported for each, no goal.
 */
function idleRow(idle: IdleRss, cpu: Record<string, number | null>): GoalRow {
  const scName = idle.spoolcast === undefined ? 'target' : 'spoolcast';
  const sc = idle[scName] ?? null;
  const nchan = idle.nchan ?? null;
  const text = (name: string) => {
    const pct = cpu[name];
    return `${mib(idle[name])}${pct === null || pct === undefined ? '' : `, ${pct.toFixed(1)} % CPU`}`;
  };
  return {
    goal: 'idle process',
    variant: '—',
    measure: 'RSS before any stream, CPU idle',
    spoolcast: text(scName),
    baseline: text('baseline'),
    nchan: text('nchan'),
    rule: 'reported (no goal)',
    ratio: x(sc !== null && nchan !== null && sc > 0 ? nchan / sc : null),
    verdict: 'reported',
    delivered: '—',
  };
}

/**
 * The filtered fan-out beside the unfiltered one, per feed: CPU per delivery and per event
 * of the filtered run (an event reaches the 50 streams of its group), of the same
 * deliveries unfiltered (50 streams, steady-50-100: the verdict's reference) and of the
 * same 1,000 streams unfiltered (steady-1k-100, where an event reaches all of them), and
 * the filtered p99. spoolcast only: the baseline and nchan have no filters.
 */
function filteredRows(byScenario: Map<string, Outcomes>): GoalRow[] {
  const filtered = byScenario.get('filtered');
  if (!filtered) return [];
  const reference = byScenario.get(FILTERED_REFERENCE);
  const beside = byScenario.get(FILTERED_BESIDE);
  const rows: GoalRow[] = [];
  for (const v of [...VARIANTS, { target: 'target', label: 'target' }]) {
    const f = filtered.get(v.target);
    if (f === undefined) continue;
    const ref = reference?.get(v.target);
    const wide = beside?.get(v.target);
    const both = (r: RunResult) => `${fmtUs(cpuPerDelivery(r))} · ${fmtUs(cpuPerEvent(r))}/ev`;
    const row: GoalRow = {
      goal: 'filtered fan-out, 20 groups',
      variant: v.label,
      measure: 'CPU/deliv · CPU/event, p99',
      spoolcast:
        show(f, (r) => `${both(r)}, p99 ${fmtMs(p99(r))}`) +
        `; 50 unfiltered ${show(ref, both, 'not run')}; 1k unfiltered ${show(wide, both, 'not run')}`,
      baseline: 'n/a (no filters)',
      nchan: 'n/a (no filters)',
      rule: `CPU/deliv ≤ ${FILTERED_CPU_FACTOR} × 50 unfiltered's, p99 ≤ ${P99_CAP_MS} ms`,
      ratio: '—',
      verdict: 'error',
      delivered: [f, ref, wide].map(shortDelivery).join(' / '),
    };
    if (isResult(f)) {
      const mine = cpuPerDelivery(f);
      const theirs = isResult(ref) ? cpuPerDelivery(ref) : null;
      const latency = p99(f);
      const met =
        mine === null || theirs === null || latency === null
          ? null
          : mine <= FILTERED_CPU_FACTOR * theirs && latency <= P99_CAP_MS;
      row.ratio = x(mine !== null && theirs !== null && mine > 0 ? theirs / mine : null);
      row.verdict =
        met === null
          ? `no peer (run ${FILTERED_REFERENCE} too)`
          : verdictOf(met, f, [{ name: FILTERED_REFERENCE, run: ref }], true);
    }
    rows.push(row);
  }
  return rows;
}
