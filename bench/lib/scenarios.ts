/**
 * The scenarios of the issue, their sizes (full and --quick), and how each result is judged
 * against its target. Every figure is shown with the baseline's figure and a ratio oriented
 * so that > 1 means spoolcast did better.
 */
import type { RunResult, ScenarioSpec } from './protocol.js';

/** Scenario names accepted by --scenario, in run order. */
export const SCENARIO_NAMES = [
  'memory',
  'steady-1k-10',
  'steady-1k-100',
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
  burst: '1k-event burst → 1k clients',
  'steady-10k-10': '10k clients, 10 ev/s',
  storm: '10k reconnect storm (Last-Event-ID)',
  pool: 'pool alone: validate+enrich',
};

/**
 * `met`, `MISSED`, `MISSED (noisy …)` when other users of the machine took ≥ 15 % of a core
 * during the run, `inconclusive: generator saturated`, `replay missing`/`replay partial`,
 * `error`.
 */
export type Verdict = string;

/** One row of the results table. */
export interface Row {
  scenario: string;
  target: string;
  spoolcast: string;
  baseline: string;
  /** How many times better spoolcast did (> 1 = better); '—' when not comparable. */
  ratio: string;
  verdict: Verdict;
  genCpu: string;
  /** Busy % of core 0 / core 1 not from the bench's processes, during each run. */
  foreign: string;
}

/** A result, or the error that stopped it. */
export type Outcome = RunResult | { error: string };

const isResult = (o: Outcome | undefined): o is RunResult => o !== undefined && !('error' in o);

/** Generator too busy for its timings to be trusted. */
export function isSaturated(r: RunResult): boolean {
  return r.genCpuPct >= 90;
}

/** Foreign load (other users of the machine) at or above this % of a core marks a run noisy. */
export const NOISY_FOREIGN_PCT = 15;

function noise(r: RunResult): string | null {
  const busy = r.foreignPct
    .slice(0, 2)
    .map((pct, core) => (pct >= NOISY_FOREIGN_PCT ? `core${core} +${Math.round(pct)}%` : null))
    .filter((x) => x !== null);
  return busy.length === 0 ? null : `noisy: ${busy.join(', ')} foreign`;
}

function genCpu(sc: Outcome | undefined, base: Outcome | undefined): string {
  const one = (r: Outcome | undefined) => {
    if (!isResult(r)) return '—';
    const text = `${Math.round(r.genCpuPct)}%`;
    return isSaturated(r) ? `${text} SATURATED` : text;
  };
  return base === undefined ? one(sc) : `${one(sc)} | ${one(base)}`;
}

function foreign(sc: Outcome | undefined, base: Outcome | undefined): string {
  const one = (r: Outcome | undefined) =>
    isResult(r)
      ? r.foreignPct
          .slice(0, 2)
          .map((p) => `${Math.round(p)}%`)
          .join('/')
      : '—';
  return base === undefined ? one(sc) : `${one(sc)} | ${one(base)}`;
}

const fmtMs = (ms: number | null | undefined) =>
  ms === null || ms === undefined || Number.isNaN(ms)
    ? '—'
    : `${ms < 10 ? ms.toFixed(2) : ms.toFixed(1)} ms`;
const fmtRate = (n: number) =>
  n >= 1e6 ? `${(n / 1e6).toFixed(2)} M/s` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} k/s` : `${n}/s`;
const fmtRatio = (better: number | null) =>
  better === null || !Number.isFinite(better) ? '—' : `${better.toFixed(2)}×`;

function deliveryText(r: RunResult): string {
  const pct = r.expected === 0 ? 100 : (r.delivered / r.expected) * 100;
  const parts = [`${pct >= 99.9995 && pct < 100 ? '99.999' : pct.toFixed(3)}%`];
  const issues: string[] = [];
  if (r.missing > 0) issues.push(`${r.missing} missing`);
  if (r.outOfOrder > 0) issues.push(`${r.outOfOrder} dup/out-of-order`);
  if (r.connectErrors > 0) issues.push(`${r.connectErrors} conn failed`);
  if (r.disconnects > 0) issues.push(`${r.disconnects} dropped`);
  if (r.publishErrors > 0) issues.push(`${r.publishErrors} publish errors`);
  if (issues.length === 0) issues.push('in order, no dups');
  return `${parts[0]} (${issues.join(', ')})`;
}

export function deliveryIntact(r: RunResult): boolean {
  return (
    r.missing === 0 &&
    r.outOfOrder === 0 &&
    r.connectErrors === 0 &&
    r.disconnects === 0 &&
    r.publishErrors === 0 &&
    r.delivered === r.expected
  );
}

/**
 * Judges a figure. A timing miss on a saturated generator is inconclusive; a miss while
 * other users loaded the cores says so.
 */
function judge(met: boolean, r: RunResult, timing: boolean): Verdict {
  if (met) return 'met';
  if (!timing) return 'MISSED';
  if (isSaturated(r)) return 'inconclusive: generator saturated';
  const noisy = noise(r);
  return noisy ? `MISSED (${noisy})` : 'MISSED';
}

interface Metric {
  target: string;
  value: (r: RunResult) => number | null;
  format: (v: number | null) => string;
  ok: (v: number) => boolean;
  /** true when lower is better (latency, memory, time). */
  lowerIsBetter: boolean;
  /** false for figures the generator's speed cannot distort (memory). */
  timing?: boolean;
}

function metricRow(
  scenario: ScenarioName,
  metric: Metric,
  sc: Outcome | undefined,
  base: Outcome | undefined,
): Row {
  const row: Row = {
    scenario: LABELS[scenario],
    target: metric.target,
    spoolcast: isResult(sc)
      ? metric.format(metric.value(sc))
      : sc
        ? `error: ${firstLine(sc.error)}`
        : '—',
    baseline: isResult(base)
      ? metric.format(metric.value(base))
      : base
        ? `error: ${firstLine(base.error)}`
        : '—',
    ratio: '—',
    verdict: 'error',
    genCpu: genCpu(sc, base),
    foreign: foreign(sc, base),
  };
  if (!isResult(sc)) return row;
  const v = metric.value(sc);
  row.verdict = v === null ? 'MISSED' : judge(metric.ok(v), sc, metric.timing !== false);
  if (isResult(base)) {
    const b = metric.value(base);
    if (v !== null && b !== null && v > 0 && b > 0)
      row.ratio = fmtRatio(metric.lowerIsBetter ? b / v : v / b);
  }
  return row;
}

function deliveryRow(
  scenario: ScenarioName,
  target: string,
  sc: Outcome | undefined,
  base: Outcome | undefined,
): Row {
  return {
    scenario: LABELS[scenario],
    target,
    spoolcast: isResult(sc) ? deliveryText(sc) : sc ? `error: ${firstLine(sc.error)}` : '—',
    baseline: isResult(base) ? deliveryText(base) : base ? `error: ${firstLine(base.error)}` : '—',
    ratio: '—',
    verdict: isResult(sc) ? (deliveryIntact(sc) ? 'met' : 'MISSED') : 'error',
    genCpu: genCpu(sc, base),
    foreign: foreign(sc, base),
  };
}

const firstLine = (text: string) => (text.split('\n')[0] ?? '').slice(0, 80);

const p50: Metric['value'] = (r) => r.latency?.p50 ?? null;
const p99: Metric['value'] = (r) => r.latency?.p99 ?? null;

/** Table rows for one scenario from the spoolcast and baseline outcomes. */
export function rowsFor(
  scenario: ScenarioName,
  sc: Outcome | undefined,
  base: Outcome | undefined,
  pool?: { sc: PoolResult | { error: string }; base: PoolResult | { error: string } | undefined },
): Row[] {
  const lat = (target: string, value: Metric['value'], limit: number): Metric => ({
    target,
    value,
    format: fmtMs,
    ok: (v) => v <= limit,
    lowerIsBetter: true,
  });
  switch (scenario) {
    case 'steady-1k-10':
      return [
        metricRow(scenario, lat('p50 ≤ 3 ms', p50, 3), sc, base),
        metricRow(scenario, lat('p99 ≤ 10 ms', p99, 10), sc, base),
        deliveryRow(scenario, 'every delivery intact', sc, base),
      ];
    case 'steady-1k-100':
      return [
        metricRow(scenario, lat('p99 ≤ 20 ms', p99, 20), sc, base),
        deliveryRow(scenario, '100 % delivered, in order', sc, base),
      ];
    case 'steady-10k-10':
      return [
        metricRow(scenario, lat('p99 ≤ 50 ms', p99, 50), sc, base),
        deliveryRow(scenario, '100 % delivered, in order', sc, base),
      ];
    case 'burst':
      return [
        metricRow(
          scenario,
          {
            target: '≥ 1,000,000 deliveries/s',
            value: (r) => r.deliveriesPerS,
            format: (v) => (v === null ? '—' : fmtRate(v)),
            ok: (v) => v >= 1_000_000,
            lowerIsBetter: false,
          },
          sc,
          base,
        ),
        deliveryRow(scenario, 'complete, in order', sc, base),
      ];
    case 'memory':
      return [
        metricRow(
          scenario,
          {
            target: '≤ 8 KiB per idle conn',
            value: (r) => r.memory?.perConnKiB ?? null,
            format: (v) => (v === null ? '—' : `${v.toFixed(2)} KiB`),
            ok: (v) => v <= 8,
            lowerIsBetter: true,
            timing: false,
          },
          sc,
          base,
        ),
      ];
    case 'storm': {
      const streamingRow = metricRow(
        scenario,
        {
          target: 'all streaming ≤ 1.5 s',
          value: (r) => r.storm?.allStreamingMs ?? null,
          format: (v) => (v === null ? 'not all streamed' : fmtMs(v)),
          ok: (v) => v <= 1500,
          lowerIsBetter: true,
        },
        sc,
        base,
      );
      const replayText = (o: Outcome | undefined) => {
        if (!isResult(o) || !o.storm)
          return o && 'error' in o ? `error: ${firstLine(o.error)}` : '—';
        const s = o.storm;
        return `${s.replay}: ${s.replayComplete}/${o.clients} full replay, ${s.liveComplete}/${o.clients} got live`;
      };
      let verdict: Verdict = 'error';
      if (isResult(sc) && sc.storm) {
        const s = sc.storm;
        if (s.replay === 'missing') verdict = 'replay missing';
        else if (s.replay === 'partial') verdict = 'replay partial';
        else verdict = s.liveComplete === sc.clients && sc.outOfOrder === 0 ? 'met' : 'MISSED';
      }
      return [
        streamingRow,
        {
          scenario: LABELS[scenario],
          target: 'replay complete, then live',
          spoolcast: replayText(sc),
          baseline: replayText(base),
          ratio: '—',
          verdict,
          genCpu: genCpu(sc, base),
          foreign: foreign(sc, base),
        },
      ];
    }
    case 'pool': {
      const text = (p: PoolResult | { error: string } | undefined) =>
        p === undefined
          ? '—'
          : 'error' in p
            ? `error: ${firstLine(p.error)}`
            : `${fmtRate(p.eventsPerS)} events`;
      const scPool = pool?.sc;
      const basePool = pool?.base;
      const ok = scPool !== undefined && !('error' in scPool);
      const row: Row = {
        scenario: LABELS[scenario],
        target: '≥ 150,000 events/s',
        spoolcast: text(scPool),
        baseline: basePool === undefined ? '—' : `${text(basePool)} (inline)`,
        ratio:
          ok && basePool !== undefined && !('error' in basePool)
            ? fmtRatio(scPool.eventsPerS / basePool.eventsPerS)
            : '—',
        verdict: ok ? (scPool.eventsPerS >= 150_000 ? 'met' : 'MISSED') : 'error',
        genCpu: 'n/a (no generator)',
        foreign: '—',
      };
      return [row];
    }
  }
}
