/**
 * Output: the plain-text table, and a self-contained HTML page with the same table and one
 * SVG chart per scenario of p50/p99 latency per second, spoolcast (both feeds) against the
 * baseline and nchan.
 */
import type { GoalRow } from './goals.js';
import type { RunResult } from './protocol.js';
import type { Row, VerdictRow } from './scenarios.js';

/** A table's columns: each header and the row field it shows. */
type Columns<R> = readonly (readonly [header: string, field: keyof R])[];

/** The columns every verdict row shows, between its name and its own columns. */
const VERDICT_COLUMNS: Columns<VerdictRow> = [
  ['fed by', 'variant'],
  ['measure', 'measure'],
  ['spoolcast', 'spoolcast'],
  ['baseline', 'baseline'],
  ['nchan', 'nchan'],
  ['verdict rule', 'rule'],
  ['× peer', 'ratio'],
  ['verdict', 'verdict'],
];

const RESULT_COLUMNS: Columns<Row> = [
  ['scenario', 'scenario'],
  ...VERDICT_COLUMNS,
  ['stretch', 'stretchTarget'],
  ['stretch verdict', 'stretch'],
  ['spoolcast delivered', 'delivered'],
  ['CPU/deliv sc/base/nchan', 'cpuPerDelivery'],
  ['gen CPU sc/base/nchan', 'genCpu'],
  ['foreign c0/c1', 'foreign'],
];

const GOAL_COLUMNS: Columns<GoalRow> = [
  ['goal', 'goal'],
  ...VERDICT_COLUMNS,
  ['delivery check sc/base/nchan', 'delivered'],
];

/** Aligned plain text: a header, then the rows; `ruled` draws column rules and a header rule. */
function aligned(headers: string[], rows: string[][], ruled = true): string {
  const all = [headers, ...rows];
  const widths = headers.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) =>
    r.map((c, i) => c.padEnd(widths[i] ?? 0)).join(ruled ? ' │ ' : '  ');
  const rule = widths.map((w) => '─'.repeat(w)).join('─┼─');
  return [line(headers), ...(ruled ? [rule] : []), ...rows.map(line)].join('\n');
}

const headersOf = <R>(columns: Columns<R>): string[] => columns.map(([header]) => header);
const cellsOf = <R>(columns: Columns<R>, rows: R[]): string[][] =>
  rows.map((row) => columns.map(([, field]) => String(row[field])));

/** The results table as aligned plain text. */
export function formatTable(rows: Row[]): string {
  return aligned(headersOf(RESULT_COLUMNS), cellsOf(RESULT_COLUMNS, rows));
}

/** The goals table (bench/README.md, "Goals") as aligned plain text. */
export function formatGoals(rows: GoalRow[]): string {
  return aligned(headersOf(GOAL_COLUMNS), cellsOf(GOAL_COLUMNS, rows));
}

/** A second, smaller table: where the CPU went and how long each run measured. */
export function formatContext(results: RunResult[]): string {
  const headers = [
    'scenario',
    'server',
    'window',
    'deliveries',
    'deliv/s',
    'p50 / p99',
    'pub→1st client p50/p99',
    '1st→last client p50/p99',
    'server CPU',
    'CPU µs/deliv',
    'CPU µs/event',
    'redis CPU',
    'core0 (foreign)',
    'core1 (foreign)',
    'gen CPU',
  ];
  const pct = (n: number | undefined) => `${Math.round(n ?? 0)}%`;
  const rows = results.map((r) => [
    r.scenario,
    r.server,
    `${(r.windowMs / 1000).toFixed(1)} s`,
    `${r.delivered}/${r.expected}`,
    String(r.deliveriesPerS),
    r.latency ? `${r.latency.p50} / ${r.latency.p99} ms` : '—',
    r.eventStats ? `${r.eventStats.firstP50} / ${r.eventStats.firstP99} ms` : '—',
    r.eventStats ? `${r.eventStats.spreadP50} / ${r.eventStats.spreadP99} ms` : '—',
    r.serverCpuPct === null ? '—' : pct(r.serverCpuPct),
    r.serverCpuUsPerDelivery == null ? '—' : String(r.serverCpuUsPerDelivery),
    r.serverCpuUsPerEvent == null ? '—' : String(r.serverCpuUsPerEvent),
    r.procsPct.redis === undefined ? '—' : pct(r.procsPct.redis),
    `${pct(r.coreBusyPct[0])} (${pct(r.foreignPct[0])})`,
    `${pct(r.coreBusyPct[1])} (${pct(r.foreignPct[1])})`,
    pct(r.genCpuPct),
  ]);
  return aligned(headers, rows, false);
}

const escapeHtml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

interface Series {
  label: string;
  color: string;
  width: number;
  dash: string;
  points: [number, number][];
}

/** One latency-over-time chart (log-scale y in ms). */
function chart(title: string, series: Series[], targetMs: number | null): string {
  const W = 720;
  const H = 280;
  const m = { l: 60, r: 170, t: 30, b: 40 };
  const pw = W - m.l - m.r;
  const ph = H - m.t - m.b;
  const ys = series.flatMap((s) => s.points.map((p) => p[1])).filter((v) => v > 0);
  if (targetMs !== null) ys.push(targetMs);
  const xs = series.flatMap((s) => s.points.map((p) => p[0]));
  if (ys.length === 0 || xs.length === 0) {
    return `<h3>${escapeHtml(title)}</h3><p>no latency samples</p>`;
  }
  const lo = Math.floor(Math.log10(Math.max(0.01, Math.min(...ys))));
  const hi = Math.max(lo + 1, Math.ceil(Math.log10(Math.max(...ys))));
  const xMax = Math.max(1, ...xs) + 1;
  const x = (v: number) => m.l + (v / xMax) * pw;
  const y = (v: number) => m.t + ph - ((Math.log10(Math.max(v, 10 ** lo)) - lo) / (hi - lo)) * ph;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">`,
  );
  parts.push(
    `<text x="${m.l}" y="18" font-size="13" font-weight="bold">${escapeHtml(title)}</text>`,
  );
  for (let e = lo; e <= hi; e++) {
    const yy = y(10 ** e).toFixed(1);
    parts.push(`<line x1="${m.l}" x2="${m.l + pw}" y1="${yy}" y2="${yy}" stroke="#ddd"/>`);
    parts.push(
      `<text x="${m.l - 6}" y="${yy}" text-anchor="end" dominant-baseline="middle">${10 ** e} ms</text>`,
    );
  }
  const step = xMax > 60 ? 10 : xMax > 20 ? 5 : 1;
  for (let t = 0; t <= xMax; t += step) {
    const xx = x(t).toFixed(1);
    parts.push(`<line x1="${xx}" x2="${xx}" y1="${m.t + ph}" y2="${m.t + ph + 4}" stroke="#888"/>`);
    parts.push(`<text x="${xx}" y="${m.t + ph + 16}" text-anchor="middle">${t}</text>`);
  }
  parts.push(
    `<text x="${m.l + pw / 2}" y="${H - 6}" text-anchor="middle">seconds since first publish</text>`,
  );
  parts.push(
    `<rect x="${m.l}" y="${m.t}" width="${pw}" height="${ph}" fill="none" stroke="#888"/>`,
  );
  if (targetMs !== null) {
    const yy = y(targetMs).toFixed(1);
    parts.push(
      `<line x1="${m.l}" x2="${m.l + pw}" y1="${yy}" y2="${yy}" stroke="#c00" stroke-dasharray="2,3"/>`,
    );
    parts.push(
      `<text x="${m.l + pw - 4}" y="${Number(yy) - 4}" text-anchor="end" fill="#c00">stretch p99 ${targetMs} ms</text>`,
    );
  }
  series.forEach((s, i) => {
    if (s.points.length > 0) {
      const d = s.points
        .map((p, j) => `${j === 0 ? 'M' : 'L'}${x(p[0] + 0.5).toFixed(1)},${y(p[1]).toFixed(1)}`)
        .join(' ');
      parts.push(
        `<path d="${d}" fill="none" stroke="${s.color}" stroke-width="${s.width}" stroke-dasharray="${s.dash}"/>`,
      );
      for (const p of s.points) {
        parts.push(
          `<circle cx="${x(p[0] + 0.5).toFixed(1)}" cy="${y(p[1]).toFixed(1)}" r="2" fill="${s.color}"/>`,
        );
      }
    }
    const ly = m.t + 12 + i * 18;
    parts.push(
      `<line x1="${m.l + pw + 12}" x2="${m.l + pw + 40}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="${s.width}" stroke-dasharray="${s.dash}"/>`,
    );
    parts.push(
      `<text x="${m.l + pw + 46}" y="${ly}" dominant-baseline="middle">${escapeHtml(s.label)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n');
}

const COLORS: Record<string, string> = {
  spoolcast: '#1f6fd1',
  'spoolcast-post': '#6a3fc1',
  target: '#1f6fd1',
  baseline: '#e07b00',
  nchan: '#1a8f3a',
};
/** The stretch p99 of each steady scenario (bench/README.md, Scenarios). */
const TARGET_P99: Record<string, number> = {
  'steady-1k-10': 15,
  'steady-1k-100': 30,
  'steady-10k-10': 300,
};

function htmlTable(headers: string[], rows: string[][], verdictColumn: number): string {
  return [
    '<table>',
    `<tr>${headers.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>`,
    ...rows.map((r) => {
      const verdict = r[verdictColumn] ?? '';
      const cls = verdict === 'met' ? 'met' : verdict === 'reported' ? '' : 'miss';
      return `<tr class="${cls}">${r
        .map((c, i) => `<td${i === verdictColumn ? ' class="verdict"' : ''}>${escapeHtml(c)}</td>`)
        .join('')}</tr>`;
    }),
    '</table>',
  ].join('\n');
}

/** The self-contained HTML report. */
export function formatHtml(
  title: string,
  rows: Row[],
  goals: GoalRow[],
  results: RunResult[],
  meta: Record<string, unknown>,
): string {
  const scenarios = [
    ...new Set(results.filter((r) => r.perSecond.some((p) => p.n > 0)).map((r) => r.scenario)),
  ];
  const charts = scenarios
    .map((name) => {
      const series: Series[] = [];
      for (const r of results.filter((x) => x.scenario === name)) {
        const color = COLORS[r.server] ?? '#555';
        const pts = (key: 'p50' | 'p99') =>
          r.perSecond
            .filter((p) => p.n > 0 && Number.isFinite(p[key]))
            .map((p): [number, number] => [p.t, p[key]]);
        series.push({ label: `${r.server} p99`, color, width: 2, dash: '', points: pts('p99') });
        series.push({ label: `${r.server} p50`, color, width: 1, dash: '4,3', points: pts('p50') });
      }
      return chart(
        `${name}: publish → receipt latency per second`,
        series,
        TARGET_P99[name] ?? null,
      );
    })
    .join('\n');
  const verdictAt = headersOf(RESULT_COLUMNS).indexOf('verdict');
  const table = htmlTable(headersOf(RESULT_COLUMNS), cellsOf(RESULT_COLUMNS, rows), verdictAt);
  const goalTable =
    goals.length === 0
      ? ''
      : `<h2>Goals</h2>\n${htmlTable(headersOf(GOAL_COLUMNS), cellsOf(GOAL_COLUMNS, goals), headersOf(GOAL_COLUMNS).indexOf('verdict'))}`;
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>
body{font-family:sans-serif;margin:24px;color:#222}
table{border-collapse:collapse;font-size:13px;margin-bottom:24px}
td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}
tr.met td.verdict{color:#070;font-weight:bold}
tr.miss td.verdict{color:#b00;font-weight:bold}
td:first-child{white-space:nowrap}
pre{background:#f6f6f6;padding:8px;font-size:12px;overflow:auto}
</style></head><body>
<h1>${escapeHtml(title)}</h1>
${table}
${goalTable}
<h2>Where the time and CPU went</h2>
<pre>${escapeHtml(formatContext(results))}</pre>
<p>pub→1st client: publish to the first client that received the event (the pipeline);
1st→last client: spread of the fan-out. CPU µs/deliv and µs/event: the server process's CPU
time (all threads) over the measured window, divided by the deliveries and by the events in
it. "foreign": busy time on the core from processes that are not the bench's (other users of
the machine).</p>
${charts}
<h2>Run</h2>
<pre>${escapeHtml(JSON.stringify(meta, null, 2))}</pre>
</body></html>
`;
}
