/**
 * The load generator: its own process, pinned to its own core by the orchestrator. It holds
 * the SSE connections (raw sockets, see lib/sse-conn.ts), publishes the events and stamps
 * them with its own clock, so publish → receipt latency needs no clock sync. Driven over IPC
 * by bench/run.ts: one `run` message per scenario × server, one `result` back.
 * Exits when the orchestrator goes away (IPC disconnect).
 */
import { performance } from 'node:perf_hooks';
import { type GroupPattern, ownedBetween, UNFILTERED } from './lib/filter-groups.js';
import {
  type CpuReading,
  CpuWindow,
  rssKiB,
  setOwnProcs,
  type TcpCounters,
  tcpCounters,
  tcpDelta,
} from './lib/meters.js';
import type {
  BurstRun,
  FromGenerator,
  RunResult,
  ScenarioSpec,
  SecondPoint,
  StormFindings,
  TargetSpec,
  ToGenerator,
} from './lib/protocol.js';
import {
  createPublisher,
  groupOperation,
  makeEvent,
  type Publisher,
  sleep,
} from './lib/publisher.js';
import { type ConnOptions, Sink, SseConn } from './lib/sse-conn.js';

/** Connections being opened at once outside the storm (keeps the accept queue from overflowing). */
const OPEN_CONCURRENCY = 256;
/** Longest wait for a scenario's connections to open. */
const OPEN_TIMEOUT_MS = 60_000;

const send = (message: FromGenerator) => process.send?.(message);
const log = (text: string) => send({ type: 'log', text });

let nextRun = Math.floor(Date.now() / 1000) % 1_000_000;
const publishers = new Map<string, Publisher>();

function publisherFor(target: TargetSpec): Publisher {
  const key = JSON.stringify(target.publish);
  let publisher = publishers.get(key);
  if (!publisher) {
    publisher = createPublisher(target.publish);
    publishers.set(key, publisher);
  }
  return publisher;
}

const nowUs = () => Math.round(performance.now() * 1000);

/** Polls `done` until true or `timeoutMs`; returns whether it became true. */
async function waitUntil(done: () => boolean, timeoutMs: number, pollMs = 10): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!done()) {
    if (performance.now() >= deadline) return false;
    await sleep(pollMs);
  }
  return true;
}

/**
 * Opens `n` connections, at most `concurrency` connecting at a time; resolves once each is
 * streaming or closed, or at the timeout. `extra` may depend on the connection's index
 * (the filtered scenario gives each its group's path and expected events).
 */
function openConns(
  sink: Sink,
  target: TargetSpec,
  n: number,
  concurrency: number,
  extra: Partial<ConnOptions> | ((index: number) => Partial<ConnOptions>),
  timeoutMs: number,
): Promise<SseConn[]> {
  const url = new URL(target.url);
  const options: ConnOptions = {
    host: url.hostname,
    port: Number(url.port || 80),
    path: target.streamPath,
    hostHeader: url.host,
  };
  const optionsFor = (index: number): ConnOptions => ({
    ...options,
    ...(typeof extra === 'function' ? extra(index) : extra),
  });
  return new Promise((resolve) => {
    const conns: SseConn[] = [];
    let started = 0;
    let settled = 0;
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      resolve(conns);
    };
    const timer = setTimeout(finish, timeoutMs);
    const startOne = () => {
      conns.push(new SseConn(sink, optionsFor(started), onSettled));
      started++;
    };
    const onSettled = () => {
      settled++;
      if (finished) return;
      if (started < n) startOne();
      else if (settled >= n) finish();
    };
    const first = Math.min(n, concurrency);
    for (let i = 0; i < first; i++) startOne();
    if (n === 0) finish();
  });
}

function closeAll(conns: SseConn[]): void {
  for (const conn of conns) conn.close();
}

function perSecond(sink: Sink): SecondPoint[] {
  return sink.perSecond.map((h, t) => {
    const s = h.summary();
    return { t, n: h.count, p50: s?.p50 ?? Number.NaN, p99: s?.p99 ?? Number.NaN };
  });
}

interface Collected {
  connected: number;
  connectErrors: number;
  disconnects: number;
  missing: number;
  outOfOrder: number;
  unmatched: number;
  errorSamples: string[];
}

/**
 * Per-connection checks: `endSeq` is one past the last sequence number published; a
 * connection is owed each of its group's below it.
 */
function collect(conns: SseConn[], endSeq: number): Collected {
  let connected = 0;
  let connectErrors = 0;
  let disconnects = 0;
  let missing = 0;
  let outOfOrder = 0;
  let unmatched = 0;
  const errors = new Map<string, number>();
  for (const conn of conns) {
    if (!conn.isStreaming) {
      connectErrors++;
      const key = conn.error ?? (conn.isOpen ? 'not streaming before the timeout' : 'closed');
      errors.set(key, (errors.get(key) ?? 0) + 1);
      continue;
    }
    connected++;
    if (!conn.isOpen && !conn.closedByUs) {
      disconnects++;
      const key = `disconnected: ${conn.error ?? 'closed by server'}`;
      errors.set(key, (errors.get(key) ?? 0) + 1);
    }
    missing += conn.gaps + ownedBetween(conn.expected, endSeq, conn.group, conn.pattern);
    outOfOrder += conn.outOfOrder;
    unmatched += conn.unmatched;
  }
  const errorSamples = [...errors].map(([k, v]) => `${v}× ${k}`);
  return { connected, connectErrors, disconnects, missing, outOfOrder, unmatched, errorSamples };
}

/** What the server's CPU in a window paid for: the deliveries and events inside it. */
interface WindowWork {
  deliveries: number;
  events: number;
}

function baseResult(
  scenario: ScenarioSpec,
  target: TargetSpec,
  sink: Sink,
  c: Collected,
  published: number,
  expected: number,
  publishErrors: number,
  window: CpuReading,
  work: WindowWork | null,
  filterGroups = 0,
): RunResult {
  // Server CPU time over the window, µs (the reading is % of one core over wallMs).
  const serverCpuUs = window.otherPct === null ? null : window.otherPct * window.wallMs * 10;
  const per = (n: number) =>
    serverCpuUs === null || work === null || n <= 0 ? null : round2(serverCpuUs / n);
  return {
    scenario: scenario.name,
    server: target.name,
    clients: scenario.clients,
    connected: c.connected,
    connectErrors: c.connectErrors,
    disconnects: c.disconnects,
    published,
    publishErrors,
    expected,
    delivered: sink.delivered,
    missing: c.missing,
    outOfOrder: c.outOfOrder,
    unmatched: c.unmatched,
    filterGroups,
    latency: sink.hist.summary(),
    eventStats: sink.eventStats(),
    perSecond: perSecond(sink),
    windowMs: Math.round(window.wallMs),
    deliveriesPerS: Math.round(((work?.deliveries ?? sink.delivered) / window.wallMs) * 1000),
    windowDeliveries: work?.deliveries ?? 0,
    windowEvents: work?.events ?? 0,
    serverCpuUsPerDelivery: per(work?.deliveries ?? 0),
    serverCpuUsPerEvent: per(work?.events ?? 0),
    genCpuPct: round1(window.selfPct),
    serverCpuPct: window.otherPct === null ? null : round1(window.otherPct),
    coreBusyPct: window.coresPct.map(round1),
    foreignPct: window.foreignPct.map(round1),
    procsPct: window.procsPct,
    windowsMonoUs: window.monoUs,
    tcp: { listenOverflows: 0, listenDrops: 0, synRetrans: 0 },
    notes: c.errorSamples,
  };
}

const round1 = (n: number) => Math.round(n * 10) / 10;
const round2 = (n: number) => Math.round(n * 100) / 100;

/** What the steady and burst scenarios start with: a fresh sink, a publisher, the clients. */
async function openScenario(
  target: TargetSpec,
  spec: { name: string; clients: number; filterGroups?: number; filterRun?: number },
  verb: string,
) {
  const sink = new Sink(nextRun++);
  const publisher = publisherFor(target);
  const errorsBefore = publisher.errors;
  const pattern = patternOf(spec);
  // Filtered: client i is in group i mod groups, streams only that group's operation and is
  // owed exactly that group's events (filter-groups.ts), in order.
  const extra =
    pattern.groups > 1
      ? (i: number): Partial<ConnOptions> => ({
          path: `${target.streamPath}?operation=${encodeURIComponent(groupOperation(i % pattern.groups))}`,
          pattern,
          group: i % pattern.groups,
        })
      : {};
  const conns = await openConns(
    sink,
    target,
    spec.clients,
    OPEN_CONCURRENCY,
    extra,
    OPEN_TIMEOUT_MS,
  );
  const streaming = conns.filter((c) => c.isStreaming && c.isOpen).length;
  log(`${target.name}/${spec.name}: ${streaming}/${spec.clients} streaming; ${verb}`);
  // Let the connect storm's acks and first frames settle before timing starts (a bench
  // pause, not a synchronisation: every delivery is still checked).
  await sleep(500);
  return { sink, publisher, errorsBefore, conns, streaming };
}

async function runSteady(
  target: TargetSpec,
  spec: Extract<ScenarioSpec, { kind: 'steady' }>,
): Promise<RunResult> {
  const { sink, publisher, errorsBefore, conns } = await openScenario(target, spec, 'publishing');
  const pattern = patternOf(spec);
  // Warm-up events (JIT, first-use allocations) are checked for delivery but not timed.
  const warmup = Math.round(spec.ratePerS * spec.warmupS);
  const total = warmup + Math.round(spec.ratePerS * spec.durationS);
  sink.trackEvents(total);
  sink.recordFromSeq = warmup;
  // What the clients streaming now are owed: every event, or their group's share of them.
  let expected = 0;
  for (const conn of conns) {
    if (conn.isStreaming && conn.isOpen) expected += ownedBetween(0, total, conn.group, pattern);
  }
  const periodMs = 1000 / spec.ratePerS;
  let cpu: CpuWindow | null = null;
  let deliveredAtStart = 0;
  const start = performance.now();
  let sent = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const due = Math.min(total, Math.floor((performance.now() - start) / periodMs) + 1);
      while (sent < due) {
        if (sent === warmup) {
          cpu = new CpuWindow(target.pid);
          deliveredAtStart = sink.delivered;
          sink.t0Ms = performance.now();
        }
        publisher.publish(makeEvent(sink.run, sent, nowUs(), pattern));
        sent++;
      }
      if (sent >= total) {
        resolve();
        return;
      }
      setTimeout(tick, Math.max(0, start + sent * periodMs - performance.now()));
    };
    tick();
  });
  const drained = await waitUntil(() => sink.delivered >= expected, spec.drainTimeoutS * 1000);
  const window = (cpu ?? new CpuWindow(target.pid)).stop();
  const work = { deliveries: sink.delivered - deliveredAtStart, events: total - warmup };
  await publisher.settled(5000);
  const c = collect(conns, total);
  closeAll(conns);
  const result = baseResult(
    spec,
    target,
    sink,
    c,
    sent,
    expected,
    publisher.errors - errorsBefore,
    window,
    work,
    pattern.groups > 1 ? pattern.groups : 0,
  );
  if (!drained)
    result.notes.push(`not all delivered within ${spec.drainTimeoutS} s of the last publish`);
  return result;
}

async function runBurst(
  target: TargetSpec,
  spec: Extract<ScenarioSpec, { kind: 'burst' }>,
): Promise<RunResult> {
  const { sink, publisher, errorsBefore, conns, streaming } = await openScenario(
    target,
    spec,
    'bursting',
  );
  const bursts: BurstRun[] = [];
  sink.trackEvents(spec.events * spec.repeats);
  let wallMs = 0;
  let genCpuMs = 0;
  let serverCpuMs: number | null = 0;
  const coreMs: number[] = [];
  const foreignMs: number[] = [];
  const procsMs: Record<string, number> = {};
  const windows: [number, number][] = [];
  sink.t0Ms = performance.now();
  let published = 0;
  let windowDeliveries = 0;
  for (let r = 0; r < spec.repeats; r++) {
    const before = sink.delivered;
    const goal = before + spec.events * streaming;
    const cpu = new CpuWindow(target.pid);
    const t0 = performance.now();
    const payloads: string[] = [];
    for (let i = 0; i < spec.events; i++)
      payloads.push(makeEvent(sink.run, published + i, nowUs()));
    publisher.publishMany(payloads);
    published += spec.events;
    const complete = await waitUntil(() => sink.delivered >= goal, spec.drainTimeoutS * 1000, 2);
    const window = cpu.stop();
    const endMs = complete ? sink.lastDeliveryMs : performance.now();
    const durationMs = Math.max(0.001, endMs - t0);
    const deliveries = sink.delivered - before;
    windowDeliveries += deliveries;
    bursts.push({
      deliveries,
      durationMs: round1(durationMs),
      deliveriesPerS: Math.round((deliveries / durationMs) * 1000),
      complete,
    });
    wallMs += window.wallMs;
    genCpuMs += (window.selfPct * window.wallMs) / 100;
    if (serverCpuMs !== null && window.otherPct !== null)
      serverCpuMs += (window.otherPct * window.wallMs) / 100;
    else serverCpuMs = null;
    window.coresPct.forEach((pct, i) => {
      coreMs[i] = (coreMs[i] ?? 0) + (pct * window.wallMs) / 100;
    });
    windows.push(...window.monoUs);
    for (const [name, pct] of Object.entries(window.procsPct)) {
      procsMs[name] = (procsMs[name] ?? 0) + (pct * window.wallMs) / 100;
    }
    window.foreignPct.forEach((pct, i) => {
      foreignMs[i] = (foreignMs[i] ?? 0) + (pct * window.wallMs) / 100;
    });
    log(
      `${target.name}/${spec.name}: burst ${r + 1}/${spec.repeats}: ${deliveries} deliveries in ${durationMs.toFixed(0)} ms`,
    );
    if (!complete) break;
    await sleep(500);
  }
  await publisher.settled(5000);
  const c = collect(conns, published);
  closeAll(conns);
  const window: CpuReading = {
    wallMs,
    foreignPct: foreignMs.map((ms) => (ms / wallMs) * 100),
    monoUs: windows,
    procsPct: Object.fromEntries(
      Object.entries(procsMs).map(([name, ms]) => [name, round1((ms / wallMs) * 100)]),
    ),
    selfPct: (genCpuMs / wallMs) * 100,
    otherPct: serverCpuMs === null ? null : (serverCpuMs / wallMs) * 100,
    coresPct: coreMs.map((ms) => (ms / wallMs) * 100),
  };
  const result = baseResult(
    spec,
    target,
    sink,
    c,
    published,
    published * streaming,
    publisher.errors - errorsBefore,
    window,
    { deliveries: windowDeliveries, events: published },
  );
  const rates = bursts.map((b) => b.deliveriesPerS).sort((a, b) => a - b);
  result.deliveriesPerS = rates[Math.floor((rates.length - 1) / 2)] ?? 0; // median burst
  result.bursts = bursts;
  return result;
}

async function runStorm(
  target: TargetSpec,
  spec: Extract<ScenarioSpec, { kind: 'storm' }>,
): Promise<RunResult> {
  const sink = new Sink(nextRun++);
  const publisher = publisherFor(target);
  const errorsBefore = publisher.errors;
  const notes: string[] = [];
  // 1. History, watched by one monitor connection that records each event's id.
  sink.recordLatency = false;
  const [monitor] = await openConns(sink, target, 1, 1, { recordIds: true }, 10_000);
  if (!monitor?.isStreaming) throw new Error('storm: the monitor connection did not open');
  const payloads: string[] = [];
  for (let i = 0; i < spec.historyEvents; i++) payloads.push(makeEvent(sink.run, i, nowUs()));
  publisher.publishMany(payloads);
  await waitUntil(() => monitor.expected >= spec.historyEvents, 10_000);
  const cursorSeq = spec.historyEvents - spec.backEvents - 1;
  const cursorId = monitor.ids?.get(cursorSeq) ?? '';
  if (cursorId === '') notes.push('the monitor saw no id for the cursor event');
  monitor.close();
  // The monitor's deliveries are not part of the storm's figures.
  const monitorDelivered = sink.delivered;
  await sleep(300);

  // 2. The storm: every client at once, resuming from the cursor.
  const startSeq = cursorSeq + 1;
  const liveFrom = spec.historyEvents;
  const endSeq = liveFrom + spec.liveEvents;
  sink.liveFrom = liveFrom;
  sink.trackEvents(endSeq);
  const cpu = new CpuWindow(target.pid);
  const stormStart = performance.now();
  const opening = openConns(
    sink,
    target,
    spec.clients,
    spec.clients,
    { lastEventId: cursorId, startSeq, watchSeq: liveFrom - 1 },
    spec.waitS * 1000,
  );
  // Opening 10k sockets is itself work for the generator; report how long issuing took.
  const issuedMs = performance.now() - stormStart;
  const conns = await opening;
  log(
    `${target.name}/${spec.name}: ${conns.filter((c) => c.isStreaming).length}/${spec.clients} streaming after ${(performance.now() - stormStart).toFixed(0)} ms`,
  );
  // 3. Replay: wait (bounded) until each client has the event just before the live ones.
  await waitUntil(
    () => conns.every((c) => c.reachedAtMs >= 0 || !c.isOpen),
    Math.max(0, stormStart + spec.waitS * 1000 - performance.now()),
  );
  // 4. Live events after the storm.
  sink.recordLatency = true;
  sink.t0Ms = performance.now();
  for (let i = 0; i < spec.liveEvents; i++) {
    publisher.publish(makeEvent(sink.run, liveFrom + i, nowUs()));
    await sleep(20);
  }
  await waitUntil(() => conns.every((c) => c.expected >= endSeq || !c.isOpen), 5000);
  const window = cpu.stop();
  await publisher.settled(5000);

  const streamingMs = conns
    .filter((c) => c.isStreaming)
    .map((c) => c.firstBodyAtMs - stormStart)
    .sort((a, b) => a - b);
  const pick = (q: number) =>
    streamingMs.length === 0
      ? null
      : round1(
          streamingMs[Math.min(streamingMs.length - 1, Math.ceil(q * streamingMs.length) - 1)] ?? 0,
        );
  let replayComplete = 0;
  let replayMissing = 0;
  let replayPartial = 0;
  let liveComplete = 0;
  let lastReplayedMs = 0;
  for (const c of conns) {
    if (!c.isStreaming) continue;
    const replayGaps = c.gaps - c.lateGaps;
    if (c.firstSeq === startSeq && replayGaps === 0 && c.reachedAtMs >= 0) {
      replayComplete++;
      lastReplayedMs = Math.max(lastReplayedMs, c.reachedAtMs - stormStart);
    } else if (c.firstSeq < 0 || c.firstSeq >= liveFrom) replayMissing++;
    else replayPartial++;
    if (c.expected >= endSeq && c.lateGaps === 0 && c.outOfOrder === 0) liveComplete++;
  }
  const streaming = streamingMs.length;
  const storm: StormFindings = {
    connected: conns.filter((c) => c.headersAtMs >= 0).length,
    streaming,
    allStreamingMs: streaming === spec.clients ? pick(1) : null,
    p50StreamingMs: pick(0.5),
    p99StreamingMs: pick(0.99),
    maxStreamingMs: pick(1),
    replayComplete,
    replayMissing,
    replayPartial,
    allReplayedMs: replayComplete === spec.clients ? round1(lastReplayedMs) : null,
    liveComplete,
    replay:
      replayComplete === spec.clients
        ? 'complete'
        : replayComplete === 0 && replayPartial === 0
          ? 'missing'
          : 'partial',
  };
  const c = collect(conns, endSeq);
  closeAll(conns);
  // Count only the storm clients' deliveries.
  const stormDelivered = sink.delivered - monitorDelivered;
  const result = baseResult(
    spec,
    target,
    sink,
    c,
    spec.historyEvents + spec.liveEvents,
    (endSeq - startSeq) * streaming,
    publisher.errors - errorsBefore,
    window,
    null,
  );
  result.delivered = stormDelivered;
  result.storm = storm;
  result.notes.push(...notes);
  result.notes.push(
    `generator took ${issuedMs.toFixed(0)} ms to issue the ${spec.clients} connect() calls`,
  );
  result.notes.push(
    `Last-Event-ID sent: ${cursorId || '(none)'} (event ${cursorSeq} of ${spec.historyEvents})`,
  );
  return result;
}

async function runMemory(
  target: TargetSpec,
  spec: Extract<ScenarioSpec, { kind: 'memory' }>,
): Promise<RunResult> {
  const sink = new Sink(nextRun++);
  if (target.pid === null) throw new Error('memory: the server pid is unknown (pass --target-pid)');
  await sleep(spec.settleMs);
  const redisPid = target.redisPid ?? null;
  const before = rssKiB(target.pid);
  const redisBefore = redisPid === null ? null : rssKiB(redisPid);
  const cpu = new CpuWindow(target.pid);
  const conns = await openConns(sink, target, spec.clients, 512, {}, OPEN_TIMEOUT_MS);
  await sleep(spec.settleMs);
  const after = rssKiB(target.pid);
  const redisAfter = redisPid === null ? null : rssKiB(redisPid);
  const window = cpu.stop();
  const c = collect(conns, 0);
  closeAll(conns);
  const result = baseResult(spec, target, sink, c, 0, 0, 0, window, null);
  if (before !== null && after !== null && c.connected > 0) {
    result.memory = {
      clients: c.connected,
      rssBeforeKiB: before,
      rssAfterKiB: after,
      perConnKiB: Math.round(((after - before) / c.connected) * 100) / 100,
      redisPerConnKiB:
        redisBefore === null || redisAfter === null
          ? null
          : Math.round(((redisAfter - redisBefore) / c.connected) * 100) / 100,
    };
  }
  return result;
}

async function runScenario(target: TargetSpec, scenario: ScenarioSpec): Promise<RunResult> {
  const tcpBefore: TcpCounters = tcpCounters();
  let result: RunResult;
  switch (scenario.kind) {
    case 'steady':
      result = await runSteady(target, scenario);
      break;
    case 'burst':
      result = await runBurst(target, scenario);
      break;
    case 'storm':
      result = await runStorm(target, scenario);
      break;
    case 'memory':
      result = await runMemory(target, scenario);
      break;
  }
  result.tcp = tcpDelta(tcpBefore);
  if (result.tcp.listenOverflows > 0) {
    result.notes.push(
      `kernel dropped ${result.tcp.listenOverflows} connection attempts on a full listen queue (${result.tcp.synRetrans} SYN retransmits, ≥ 1 s each)`,
    );
  }
  return result;
}

let queue = Promise.resolve();

process.on('message', (message: ToGenerator) => {
  if (message.type === 'exit') {
    void shutdown();
    return;
  }
  queue = queue.then(async () => {
    try {
      setOwnProcs(message.ownProcs);
      const result = await runScenario(message.target, message.scenario);
      // Let the server see the closes before the next scenario starts.
      await sleep(500);
      send({ type: 'result', id: message.id, result });
    } catch (error) {
      send({ type: 'error', id: message.id, message: (error as Error).stack ?? String(error) });
    }
  });
});

async function shutdown(): Promise<void> {
  await Promise.all([...publishers.values()].map((p) => p.close()));
  process.exit(0);
}

process.on('disconnect', () => process.exit(0));
process.once('SIGTERM', () => void shutdown());
process.once('SIGINT', () => void shutdown());
send({ type: 'ready' });

/** How a scenario deals its events to filter groups (unfiltered: one group). */
function patternOf(spec: { filterGroups?: number; filterRun?: number }): GroupPattern {
  const groups = spec.filterGroups ?? 0;
  return groups > 1 ? { groups, run: spec.filterRun ?? 1 } : UNFILTERED;
}
