/**
 * The scenarios (bench/README.md), their sizes (full and --quick), and how each is judged.
 * Each scenario runs spoolcast (plain PUBLISH, then POST /api/events), the naive baseline
 * and nchan back to back. The verdict is the ratio against the peers in the same run (the
 * issue's table); the absolute figure is the stretch. Ratios are oriented so that > 1 means
 * spoolcast did better.
 */
import type { RunResult, ScenarioSpec } from './protocol.js';

/** Scenario names accepted by --scenario, in run order. */
export const SCENARIO_NAMES = [
  'memory',
  'steady-1k-10',
  'steady-1k-100',
  'steady-50-100',
  'filtered',
  'burst',
  'steady-10k-10',
  'storm',
  'pool',
] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

/** Pool-alone results (no generator involved). */
export interface PoolResult {
  mode: 'pool' | 'inline';
  events: number;
  seconds: number;
  eventsPerS: number;
  cpuPct: number;
}

/** Filter groups of the `filtered` scenario: `?operation=OP-0` … `OP-19`, 50 streams each. */
export const FILTER_GROUPS = 20;
/**
 * Events dealt to one group in a row in the `filtered` scenario: what one stream of the
 * reference gets within one write window (100 events/s × the default 50 ms
 * `SSE_WRITE_WINDOW_MS`), so both join as many events per write and the difference stays
 * what filtering costs. Dealt one by one, every filtered write would carry one event and
 * the reference's five.
 */
export const FILTER_RUN = 5;

/**
 * What the filtered scenario is shown beside and judged against, both unfiltered at the
 * same rate: the same 1,000 streams (steady-1k-100, 100,000 deliveries/s), and the same
 * deliveries (steady-50-100: 50 streams, each getting every event, 5,000 deliveries/s).
 * The verdict uses the second: same deliveries, same load, so the difference is what the
 * 950 streams an event does not select and the 20 filters cost.
 */
export const FILTERED_BESIDE = 'steady-1k-100';
export const FILTERED_REFERENCE = 'steady-50-100';
/** Scenarios that come with `filtered` (run too when it is asked for). */
export const FILTERED_COMPANIONS: readonly ScenarioName[] = [FILTERED_BESIDE, FILTERED_REFERENCE];

/** Scenarios run on spoolcast only (the baseline and nchan have no filters). */
export const SPOOLCAST_ONLY: readonly ScenarioName[] = ['steady-50-100', 'filtered'];
/** The peers, which do not run the SPOOLCAST_ONLY scenarios. */
export const PEERS: readonly string[] = ['baseline', 'nchan'];

/** The generator-driven scenario specs; `pool` is run by the orchestrator itself. */
export function scenarioSpecs(quick: boolean): Record<Exclude<ScenarioName, 'pool'>, ScenarioSpec> {
  const steadyS = quick ? 3 : 20;
  return {
    memory: { kind: 'memory', name: 'memory', clients: 10_000, settleMs: quick ? 700 : 2000 },
    'steady-1k-10': {
      kind: 'steady',
      name: 'steady-1k-10',
      clients: 1000,
      ratePerS: 10,
      warmupS: quick ? 1 : 2,
      durationS: steadyS,
      drainTimeoutS: 15,
    },
    'steady-1k-100': {
      kind: 'steady',
      name: 'steady-1k-100',
      clients: 1000,
      ratePerS: 100,
      warmupS: quick ? 1 : 2,
      durationS: steadyS,
      drainTimeoutS: 15,
    },
    // The filtered scenario's deliveries without filters: 50 streams × 100 events/s.
    'steady-50-100': {
      kind: 'steady',
      name: 'steady-50-100',
      clients: 1000 / FILTER_GROUPS,
      ratePerS: 100,
      warmupS: quick ? 1 : 2,
      durationS: steadyS,
      drainTimeoutS: 15,
    },
    // steady-1k-100 with the clients in 20 filter groups (issue 15): each event reaches the
    // 50 streams of its group, so 5,000 deliveries/s against 100,000. spoolcast only.
    filtered: {
      kind: 'steady',
      name: 'filtered',
      clients: 1000,
      ratePerS: 100,
      warmupS: quick ? 1 : 2,
      durationS: steadyS,
      drainTimeoutS: 15,
      filterGroups: FILTER_GROUPS,
      filterRun: FILTER_RUN,
    },
    burst: {
      kind: 'burst',
      name: 'burst',
      clients: 1000,
      events: 1000,
      repeats: quick ? 1 : 3,
      drainTimeoutS: 30,
    },
    'steady-10k-10': {
      kind: 'steady',
      name: 'steady-10k-10',
      clients: 10_000,
      ratePerS: 10,
      warmupS: quick ? 1 : 2,
      durationS: steadyS,
      drainTimeoutS: 20,
    },
    storm: {
      kind: 'storm',
      name: 'storm',
      clients: 10_000,
      historyEvents: 150,
      backEvents: 100,
      liveEvents: 10,
      waitS: quick ? 3 : 5,
    },
  };
}

/** Human label of each scenario for the table. */
export const LABELS: Record<ScenarioName, string> = {
  memory: 'memory / idle conn (10k)',
  'steady-1k-10': '1k clients, 10 ev/s',
  'steady-1k-100': '1k clients, 100 ev/s',
  'steady-50-100': '50 clients, 100 ev/s (reference)',
  filtered: '1k clients in 20 filter groups, 100 ev/s',
  burst: '1k-event burst → 1k clients',
  'steady-10k-10': '10k clients, 10 ev/s',
  storm: '10k reconnect storm (Last-Event-ID)',
  pool: 'pool alone: validate+enrich',
};

/** The two ways spoolcast is fed, each judged against the same peers. */
export const VARIANTS = [
  { target: 'spoolcast', label: 'PUBLISH' },
  { target: 'spoolcast-post', label: 'POST' },
] as const;

/**
 * `met`, `MISSED`, `MISSED (noisy …)` when other users of the machine took ≥ 15 % of a core
 * during one of the runs compared, `inconclusive: generator saturated`, `replay missing`,
 * `error`, `no peer`.
 */
export type Verdict = string;

/** What every verdict row shows, in the results table and in the goals table. */
export interface VerdictRow {
  /** `PUBLISH`, `POST`, `target` or `—` (memory and pool do not publish). */
  variant: string;
  /** What the figures are. */
  measure: string;
  spoolcast: string;
  baseline: string;
  nchan: string;
  /** The verdict's rule, e.g. `p99 ≤ 0.8 × better peer, 100 % delivered`. */
  rule: string;
  /** Against the peer the rule names (> 1 = spoolcast better); '—' when not comparable. */
  ratio: string;
  verdict: Verdict;
  /** The delivery check of the runs shown. */
  delivered: string;
}

/** One row of the results table: one scenario, one way of feeding spoolcast. */
export interface Row extends VerdictRow {
  scenario: string;
  stretchTarget: string;
  stretch: Verdict;
  /** Server CPU per delivery in the runs compared, µs: spoolcast / baseline / nchan. */
  cpuPerDelivery: string;
  /** Generator CPU in the runs compared: spoolcast / baseline / nchan. */
  genCpu: string;
  /** Highest foreign load on core 0 / core 1 over the runs compared. */
  foreign: string;
}

/** A result, or the error that stopped it. */
export type Outcome = RunResult | { error: string };

export const isResult = (o: Outcome | undefined): o is RunResult =>
  o !== undefined && !('error' in o);

/** Generator too busy for its timings to be trusted. */
export function isSaturated(r: RunResult): boolean {
  return r.genCpuPct >= 90;
}

/** Foreign load (other users of the machine) at or above this % of a core marks a run noisy. */
export const NOISY_FOREIGN_PCT = 15;

function noise(runs: RunResult[]): string | null {
  const worst = [0, 1].map((core) => Math.max(0, ...runs.map((r) => r.foreignPct[core] ?? 0)));
  const busy = worst
    .map((pct, core) => (pct >= NOISY_FOREIGN_PCT ? `core${core} +${Math.round(pct)}%` : null))
    .filter((x) => x !== null);
  return busy.length === 0 ? null : `noisy: ${busy.join(', ')} foreign`;
}

export const fmtMs = (ms: number | null | undefined) =>
  ms === null || ms === undefined || Number.isNaN(ms)
    ? '—'
    : ms >= 1000
      ? `${(ms / 1000).toFixed(2)} s`
      : `${ms < 10 ? ms.toFixed(2) : ms.toFixed(1)} ms`;
export const fmtRate = (n: number) =>
  n >= 1e6 ? `${(n / 1e6).toFixed(2)} M/s` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} k/s` : `${n}/s`;
export const fmtRatio = (better: number | null) =>
  better === null || !Number.isFinite(better) ? '—' : `${better.toFixed(2)}×`;
export const firstLine = (text: string) => (text.split('\n')[0] ?? '').slice(0, 60);

function deliveryText(r: RunResult): string {
  const pct = r.expected === 0 ? 100 : (r.delivered / r.expected) * 100;
  const issues: string[] = [];
  if (r.missing > 0) issues.push(`${r.missing} missing`);
  if (r.outOfOrder > 0) issues.push(`${r.outOfOrder} dup/ooo`);
  if ((r.unmatched ?? 0) > 0) issues.push(`${r.unmatched} not selected by the filter`);
  if (r.connectErrors > 0) issues.push(`${r.connectErrors} conn failed`);
  if (r.disconnects > 0) issues.push(`${r.disconnects} dropped`);
  if (r.publishErrors > 0) issues.push(`${r.publishErrors} publish errors`);
  const text = `${pct >= 99.9995 && pct < 100 ? '99.999' : pct.toFixed(pct === 100 ? 0 : 3)}%`;
  return issues.length === 0 ? `${text} in order` : `${text} (${issues.join(', ')})`;
}

export function deliveryIntact(r: RunResult): boolean {
  return (
    r.missing === 0 &&
    r.outOfOrder === 0 &&
    (r.unmatched ?? 0) === 0 &&
    r.connectErrors === 0 &&
    r.disconnects === 0 &&
    r.publishErrors === 0 &&
    r.delivered === r.expected
  );
}

/**
 * Judges a figure. A timing miss with a saturated generator in any of the runs compared is
 * inconclusive; a miss while other users loaded the cores says so.
 */
export function judge(met: boolean, runs: RunResult[], timing: boolean): Verdict {
  if (met) return 'met';
  if (!timing) return 'MISSED';
  if (runs.some(isSaturated)) return 'inconclusive: generator saturated';
  const noisy = noise(runs);
  return noisy ? `MISSED (${noisy})` : 'MISSED';
}

/** Outcomes of one scenario, by target name. */
export type Outcomes = Map<string, Outcome>;

const cell = (o: Outcome | undefined, show: (r: RunResult) => string) =>
  isResult(o) ? show(o) : o ? `error: ${firstLine(o.error)}` : '—';

export const fmtUs = (us: number | null | undefined) =>
  us === null || us === undefined || !Number.isFinite(us)
    ? '—'
    : us >= 1000
      ? `${(us / 1000).toFixed(2)} ms`
      : `${us < 100 ? us.toFixed(1) : us.toFixed(0)} µs`;

export const cpuPerDelivery = (r: RunResult) => r.serverCpuUsPerDelivery ?? null;
export const cpuPerEvent = (r: RunResult) => r.serverCpuUsPerEvent ?? null;

function cpuCell(runs: (Outcome | undefined)[]): string {
  if (!runs.some((r) => isResult(r) && cpuPerDelivery(r) !== null)) return '—';
  return runs.map((r) => (isResult(r) ? fmtUs(cpuPerDelivery(r)) : '—')).join(' / ');
}

function genCpuCell(runs: (Outcome | undefined)[]): string {
  return runs
    .map((r) => (isResult(r) ? `${Math.round(r.genCpuPct)}%${isSaturated(r) ? ' SAT' : ''}` : '—'))
    .join(' / ');
}

function foreignCell(runs: RunResult[]): string {
  if (runs.length === 0) return '—';
  return [0, 1]
    .map((core) => `${Math.round(Math.max(0, ...runs.map((r) => r.foreignPct[core] ?? 0)))}%`)
    .join('/');
}

/** How one scenario is measured and judged. */
interface Judge {
  measure: string;
  /** What a server's cell shows. */
  show: (r: RunResult) => string;
  rule: string;
  /**
   * Which runs the rule compares against: the better of baseline and nchan, nchan,
   * (filtered) spoolcast's own unfiltered run with the same deliveries and feed, or none
   * (a reference run, shown only).
   */
  peers: 'better' | 'nchan' | 'unfiltered' | 'none';
  /**
   * The verdict from spoolcast's result and the peers' (only those with results): whether it
   * is met, and the ratio shown (> 1 = spoolcast better). null: nothing to compare.
   */
  verdict: (sc: RunResult, peers: RunResult[]) => { met: boolean; ratio: number | null } | null;
  stretchTarget: string;
  stretch: (sc: RunResult) => boolean;
  /** false for figures the generator's speed cannot distort (memory). */
  timing: boolean;
}

export const p50 = (r: RunResult) => r.latency?.p50 ?? null;
export const p99 = (r: RunResult) => r.latency?.p99 ?? null;

/** p99 ≤ factor × the better (lower) peer p99, and (if `intact`) every delivery intact. */
function latencyJudge(factor: number, stretchP50: number | null, stretchP99: number): Judge {
  const rule = `p99 ≤ ${factor === 1 ? '' : `${factor} × `}better peer's${factor === 1 ? '' : ', 100 % delivered'}`;
  return {
    measure: 'p50 / p99',
    show: (r) => `${fmtMs(p50(r))} / ${fmtMs(p99(r))}`,
    rule,
    peers: 'better',
    verdict: (sc, peers) => {
      const mine = p99(sc);
      const best = Math.min(...peers.map(p99).filter((v): v is number => v !== null && v > 0));
      if (mine === null || !Number.isFinite(best)) return null;
      return {
        met: mine <= factor * best && (factor === 1 || deliveryIntact(sc)),
        ratio: mine > 0 ? best / mine : null,
      };
    },
    stretchTarget:
      stretchP50 === null
        ? `p99 ≤ ${stretchP99} ms`
        : `p50 ≤ ${stretchP50} ms, p99 ≤ ${stretchP99} ms`,
    stretch: (sc) =>
      (p99(sc) ?? Number.POSITIVE_INFINITY) <= stretchP99 &&
      (stretchP50 === null || (p50(sc) ?? Number.POSITIVE_INFINITY) <= stretchP50),
    timing: true,
  };
}

export const firstP50 = (r: RunResult) => r.eventStats?.firstP50 ?? null;

/** p99 at most this at 1,000 streams × 100 events/s, filtered or not (issue 18). */
export const P99_CAP_MS = 100;
/**
 * A delivery to a filtered stream may cost at most this many times one in the same
 * deliveries unfiltered (steady-50-100: same feed, same run, same 5,000 deliveries/s): all
 * filtering may add is one match per distinct filter per event. A cost for each of the 950
 * streams an event does not select would weigh 19× its size on every delivery.
 */
export const FILTERED_CPU_FACTOR = 1.25;

const JUDGES: Record<Exclude<ScenarioName, 'pool'>, Judge> = {
  'steady-1k-10': latencyJudge(1, 5, 15),
  'steady-1k-100': latencyJudge(0.8, null, 30),
  'steady-10k-10': latencyJudge(0.8, null, 300),
  filtered: {
    measure: 'CPU/deliv, CPU/event, p99',
    show: (r) =>
      `${fmtUs(cpuPerDelivery(r))}, ${fmtUs(cpuPerEvent(r))}/ev, p99 ${fmtMs(p99(r))}` +
      (r.filterGroups > 0 ? '' : ' (unfiltered)'),
    rule: `CPU/deliv ≤ ${FILTERED_CPU_FACTOR} × ${FILTERED_REFERENCE}'s, p99 ≤ ${P99_CAP_MS} ms`,
    peers: 'unfiltered',
    verdict: (sc, peers) => {
      const unfiltered = peers[0];
      const mine = cpuPerDelivery(sc);
      const theirs = unfiltered ? cpuPerDelivery(unfiltered) : null;
      if (mine === null || theirs === null) return null;
      return {
        met:
          mine <= FILTERED_CPU_FACTOR * theirs &&
          (p99(sc) ?? Number.POSITIVE_INFINITY) <= P99_CAP_MS &&
          deliveryIntact(sc),
        ratio: mine > 0 ? theirs / mine : null,
      };
    },
    // As steady-1k-100's stretch: a filtered stream gets a twentieth of the deliveries.
    stretchTarget: 'p99 ≤ 30 ms',
    stretch: (sc) => (p99(sc) ?? Number.POSITIVE_INFINITY) <= 30,
    timing: true,
  },
  'steady-50-100': {
    measure: 'CPU/deliv, CPU/event, p99',
    show: (r) => `${fmtUs(cpuPerDelivery(r))}, ${fmtUs(cpuPerEvent(r))}/ev, p99 ${fmtMs(p99(r))}`,
    rule: 'reference for filtered (no verdict)',
    peers: 'none',
    verdict: () => null,
    stretchTarget: '—',
    stretch: () => true,
    timing: true,
  },
  burst: {
    measure: 'deliveries/s, median (all), 1st p50',
    show: (r) => `${fmtRate(r.deliveriesPerS)}, med ${fmtMs(p50(r))}, 1st ${fmtMs(firstP50(r))}`,
    rule: "≥ 3 × nchan's deliveries/s, 1st p50 ≤ nchan's",
    peers: 'nchan',
    verdict: (sc, peers) => {
      const nchan = peers[0];
      if (!nchan || nchan.deliveriesPerS <= 0) return null;
      const ratio = sc.deliveriesPerS / nchan.deliveriesPerS;
      const mine = firstP50(sc);
      const theirs = firstP50(nchan);
      return {
        met: ratio >= 3 && mine !== null && theirs !== null && mine <= theirs,
        ratio,
      };
    },
    stretchTarget: '≥ 1 M deliveries/s',
    stretch: (sc) => sc.deliveriesPerS >= 1_000_000,
    timing: true,
  },
  memory: {
    measure: 'RSS / idle conn (redis)',
    show: (r) =>
      r.memory
        ? `${r.memory.perConnKiB.toFixed(2)} KiB${r.memory.redisPerConnKiB === null ? '' : ` (+${r.memory.redisPerConnKiB.toFixed(2)} redis)`}`
        : '—',
    rule: "≤ nchan's (server + redis)",
    peers: 'nchan',
    verdict: (sc, peers) => {
      const total = (r: RunResult) =>
        r.memory ? r.memory.perConnKiB + Math.max(0, r.memory.redisPerConnKiB ?? 0) : null;
      const mine = total(sc);
      const theirs = peers[0] ? total(peers[0]) : null;
      if (mine === null || theirs === null) return null;
      return { met: mine <= theirs, ratio: mine > 0 ? theirs / mine : null };
    },
    stretchTarget: '≤ 10 KiB',
    stretch: (sc) => (sc.memory?.perConnKiB ?? Number.POSITIVE_INFINITY) <= 10,
    timing: false,
  },
  storm: {
    measure: 'all streaming, replay',
    show: (r) =>
      r.storm
        ? `${r.storm.allStreamingMs === null ? `${r.storm.streaming}/${r.clients} streamed` : fmtMs(r.storm.allStreamingMs)}, replay ${r.storm.replay}${r.storm.replay === 'partial' ? ` ${r.storm.replayComplete}/${r.clients}` : ''}`
        : '—',
    rule: "all streaming ≤ nchan's time",
    peers: 'nchan',
    verdict: (sc, peers) => {
      const nchan = peers[0];
      const mine = sc.storm?.allStreamingMs ?? null;
      const theirs = nchan?.storm?.allStreamingMs ?? null;
      if (!nchan?.storm) return null;
      // A peer that did not get every client streaming within the wait loses the race.
      if (mine === null) return { met: false, ratio: null };
      if (theirs === null) return { met: true, ratio: null };
      return { met: mine <= theirs, ratio: mine > 0 ? theirs / mine : null };
    },
    stretchTarget: '≤ 1.5 s, replay complete',
    stretch: (sc) =>
      sc.storm !== undefined &&
      sc.storm.allStreamingMs !== null &&
      sc.storm.allStreamingMs <= 1500 &&
      sc.storm.replay === 'complete' &&
      sc.storm.liveComplete === sc.clients,
    timing: true,
  },
};

/** A peer's cell: its result, or why the scenario did not run on it. */
function peerCell(
  scenario: ScenarioName,
  o: Outcome | undefined,
  show: (r: RunResult) => string,
): string {
  if (o === undefined && SPOOLCAST_ONLY.includes(scenario)) return 'n/a (spoolcast only)';
  return cell(o, show);
}

/**
 * Table rows for one scenario: one per way of feeding spoolcast that ran. `reference` holds
 * the outcomes of the unfiltered scenario the filtered one is judged against.
 */
export function rowsFor(
  scenario: Exclude<ScenarioName, 'pool'>,
  outcomes: Outcomes,
  reference?: Outcomes,
): Row[] {
  const j = JUDGES[scenario];
  const base = outcomes.get('baseline');
  const nchan = outcomes.get('nchan');
  const rows: Row[] = [];
  const variants = [...VARIANTS, { target: 'target', label: 'target' }].filter((v) =>
    outcomes.has(v.target),
  );
  for (const v of variants) {
    const sc = outcomes.get(v.target);
    const peerOutcomes =
      j.peers === 'none'
        ? []
        : j.peers === 'unfiltered'
          ? [reference?.get(v.target)]
          : j.peers === 'nchan'
            ? [nchan]
            : [base, nchan];
    const peers = peerOutcomes.filter(isResult);
    const compared = [sc, ...peerOutcomes].filter(isResult);
    const row: Row = {
      scenario: LABELS[scenario],
      variant: scenario === 'memory' ? '—' : v.label,
      measure: j.measure,
      spoolcast: cell(sc, j.show),
      baseline: peerCell(scenario, base, j.show),
      nchan: peerCell(scenario, nchan, j.show),
      rule: j.rule,
      ratio: '—',
      verdict: 'error',
      stretchTarget: j.stretchTarget,
      stretch: 'error',
      delivered: cell(sc, deliveryText),
      cpuPerDelivery: cpuCell([sc, base, nchan]),
      genCpu: genCpuCell([sc, base, nchan]),
      foreign: foreignCell(compared),
    };
    if (isResult(sc)) {
      const verdict = peers.length > 0 ? j.verdict(sc, peers) : null;
      if (verdict === null)
        row.verdict =
          j.peers === 'none'
            ? 'n/a'
            : j.peers === 'unfiltered'
              ? `no peer (run ${FILTERED_REFERENCE} too)`
              : 'no peer';
      else {
        row.ratio = fmtRatio(verdict.ratio);
        row.verdict = judge(verdict.met, compared, j.timing);
      }
      row.stretch = j.peers === 'none' ? 'n/a' : judge(j.stretch(sc), [sc], j.timing);
      if (scenario === 'storm' && sc.storm && sc.storm.replay !== 'complete')
        row.stretch = `replay ${sc.storm.replay}`;
      // A lost, duplicated or reordered delivery fails the scenario whatever the timing.
      if (!deliveryIntact(sc) && scenario !== 'memory') {
        if (row.verdict === 'met' || row.verdict === 'n/a') row.verdict = 'MISSED (delivery)';
        if (row.stretch === 'met') row.stretch = 'MISSED (delivery)';
      }
    }
    rows.push(row);
  }
  return rows;
}

/** The pool-alone row: the pool against the same worker function inline. */
export function poolRow(pool: {
  sc: PoolResult | { error: string };
  base: PoolResult | { error: string } | undefined;
}): Row {
  const text = (p: PoolResult | { error: string } | undefined) =>
    p === undefined
      ? '—'
      : 'error' in p
        ? `error: ${firstLine(p.error)}`
        : `${fmtRate(p.eventsPerS)} events`;
  const scPool = pool.sc;
  const basePool = pool.base;
  const ok = !('error' in scPool);
  return {
    scenario: LABELS.pool,
    variant: '—',
    measure: 'events/s (1 thread)',
    spoolcast: text(scPool),
    baseline: basePool === undefined ? '—' : `${text(basePool)} (inline)`,
    nchan: 'n/a',
    rule: '(no peer: pool ÷ inline)',
    ratio:
      ok && basePool !== undefined && !('error' in basePool)
        ? fmtRatio(scPool.eventsPerS / basePool.eventsPerS)
        : '—',
    verdict: 'n/a',
    stretchTarget: '≥ 150,000 events/s',
    stretch: ok ? (scPool.eventsPerS >= 150_000 ? 'met' : 'MISSED') : 'error',
    delivered: '—',
    cpuPerDelivery: '—',
    genCpu: 'n/a',
    foreign: '—',
  };
}
