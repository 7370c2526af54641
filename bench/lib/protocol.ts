/**
 * What the orchestrator (bench/run.ts) and the load generator (bench/generator.ts) say to
 * each other over the child-process IPC channel, and the shapes of scenario results.
 */
import type { LatencySummary } from './histogram.js';

/** How the generator publishes events to a server. */
export type PublishMethod =
  | { kind: 'redis'; url: string; channel: string }
  | { kind: 'http-post'; url: string; path?: string };

/** One server under test. */
export interface TargetSpec {
  /**
   * Label in the report: `spoolcast` (plain PUBLISH), `spoolcast-post` (POST /api/events),
   * `baseline`, `nchan`, or `target` (--target-url).
   */
  name: string;
  /** Base URL, e.g. http://127.0.0.1:8000 (http only; host must be a loopback address). */
  url: string;
  streamPath: string;
  publish: PublishMethod;
  /** Server process id when local: CPU from /proc/<pid>/stat, RSS from /proc/<pid>/status. */
  pid: number | null;
  /** redis-server's pid: the memory scenario reports its RSS change too (nchan stores there). */
  redisPid?: number | null;
}

export type ScenarioSpec =
  | {
      kind: 'steady';
      name: string;
      clients: number;
      ratePerS: number;
      /** Events published first and checked, but not timed. */
      warmupS: number;
      durationS: number;
      drainTimeoutS: number;
      /**
       * Filtered fan-out: the clients are split round-robin into this many groups, client
       * group k streaming `?operation=OP-k`, and each event carries exactly one group's
       * operation. 0 or absent: unfiltered.
       */
      filterGroups?: number;
      /** Consecutive events dealt to one group before the next (default 1; filter-groups.ts). */
      filterRun?: number;
    }
  | {
      kind: 'burst';
      name: string;
      clients: number;
      events: number;
      repeats: number;
      drainTimeoutS: number;
    }
  | {
      kind: 'storm';
      name: string;
      clients: number;
      /** Events published before the storm (the history the clients resume into). */
      historyEvents: number;
      /** How far back the Last-Event-ID points. */
      backEvents: number;
      /** Live events published once the storm has connected. */
      liveEvents: number;
      /** How long to wait for every client to stream / to complete its replay. */
      waitS: number;
    }
  | { kind: 'memory'; name: string; clients: number; settleMs: number };

/** Per-second latency point for the chart. */
export interface SecondPoint {
  /** Seconds since the first publish. */
  t: number;
  n: number;
  p50: number;
  p99: number;
}

/** One burst of the burst scenario. */
export interface BurstRun {
  deliveries: number;
  durationMs: number;
  deliveriesPerS: number;
  complete: boolean;
}

/** The storm scenario's findings. */
export interface StormFindings {
  connected: number;
  /** Clients that got a 200 and their first body bytes. */
  streaming: number;
  /** Time from the first connect() to the last client streaming (ms); null if not all did. */
  allStreamingMs: number | null;
  p50StreamingMs: number | null;
  p99StreamingMs: number | null;
  maxStreamingMs: number | null;
  /** Clients whose first event was the one right after their Last-Event-ID. */
  replayComplete: number;
  /** Clients that received no replayed event at all (first event was a live one). */
  replayMissing: number;
  /** Clients that received part of the replay. */
  replayPartial: number;
  /** Time from the first connect() until every client had its full replay (ms). */
  allReplayedMs: number | null;
  /** Clients that received every live event, in order, after the storm. */
  liveComplete: number;
  replay: 'complete' | 'missing' | 'partial';
}

/** One scenario run against one server. */
export interface RunResult {
  scenario: string;
  server: string;
  clients: number;
  connected: number;
  connectErrors: number;
  /** Streams that ended or failed while the scenario was running. */
  disconnects: number;
  published: number;
  publishErrors: number;
  /** Deliveries expected: published events × clients (storm: replay + live). */
  expected: number;
  /** In-order, first-time deliveries. */
  delivered: number;
  /** Events never received by a client (gaps plus missing tail). */
  missing: number;
  /** Events received at or below a sequence number already seen (duplicates or reordering). */
  outOfOrder: number;
  /** Events a client received although its filter does not select them (filter leaks). */
  unmatched: number;
  /** Filter groups of a filtered run (0: every client gets every event). */
  filterGroups: number;
  latency: LatencySummary | null;
  /**
   * Latency split per event: publish → first client to receive it (pipeline), and first →
   * last client (fan-out spread), p50/p99 over events, ms.
   */
  eventStats: {
    events: number;
    firstP50: number;
    firstP99: number;
    spreadP50: number;
    spreadP99: number;
  } | null;
  perSecond: SecondPoint[];
  /** Length of the measured window (ms). */
  windowMs: number;
  /** Deliveries per second over the measured window (burst: the median burst's rate). */
  deliveriesPerS: number;
  /** Deliveries made inside the measured window(s): what the server's CPU there paid for. */
  windowDeliveries: number;
  /** Events published inside the measured window(s). */
  windowEvents: number;
  /**
   * Server process CPU time (all threads, user + system) over the measured window(s) divided
   * by the deliveries in them, µs; null when the server pid is unknown or nothing was
   * delivered (and for the memory and storm scenarios, whose windows are connects).
   */
  serverCpuUsPerDelivery: number | null;
  /** The same CPU time divided by the events published in the window(s), µs. */
  serverCpuUsPerEvent: number | null;
  /** Generator process CPU over the window, % of one core (user + system). */
  genCpuPct: number;
  /** Server process CPU (all threads) over the window, % of one core; null if not local. */
  serverCpuPct: number | null;
  /** Whole-core busy % from /proc/stat over the window (other processes included). */
  coreBusyPct: number[];
  /** Per core: busy % not from the bench's own processes (other users of the machine). */
  foreignPct: number[];
  /** CPU of each of the bench's processes over the window (% of one core), by name. */
  procsPct: Record<string, number>;
  /** Measured windows on CLOCK_MONOTONIC (µs), to cut a server CPU profile to them. */
  windowsMonoUs: [number, number][];
  /**
   * Kernel TCP counters over the whole run (connects included): SYNs dropped because a
   * listen queue was full, and SYN retransmissions (each costs the client ≥ 1 s).
   * Namespace-wide: other users' connections count too.
   */
  tcp: { listenOverflows: number; listenDrops: number; synRetrans: number };
  bursts?: BurstRun[];
  storm?: StormFindings;
  memory?: {
    clients: number;
    rssBeforeKiB: number;
    rssAfterKiB: number;
    perConnKiB: number;
    /** redis-server's RSS change over the same window, per connection (null if unknown). */
    redisPerConnKiB: number | null;
  };
  notes: string[];
}

export type ToGenerator =
  | {
      type: 'run';
      id: number;
      target: TargetSpec;
      scenario: ScenarioSpec;
      /** The bench's own processes and their cores (per-process CPU, foreign load). */
      ownProcs: { name: string; pid: number; core: number }[];
    }
  | { type: 'exit' };

export type FromGenerator =
  | { type: 'ready' }
  | { type: 'result'; id: number; result: RunResult }
  | { type: 'error'; id: number; message: string }
  | { type: 'log'; text: string };
