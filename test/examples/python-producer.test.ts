/**
 * The Python producers of examples/python, run as child processes by Debian's
 * /usr/bin/python3 (python3-redis) against a real gateway on real Redis: the plain PUBLISH
 * and the durable POST each arrive exactly once, and the durable one gets through a 503, a
 * dropped answer and a timed-out answer by retrying with the same Idempotency-Key.
 * "Exactly once" is checked by waiting for a fence event published after the producer
 * finished, then comparing every spool_update the stream received.
 */
import { spawn } from 'node:child_process';
import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import test, { type ExecutionContext } from 'ava';
import { RedisEventService } from '../../src/index.js';
import { DEBIAN_PYTHON } from '../../support/system-packages.js';
import { getFreePort } from '../helpers/free-port.js';
import { connectRedis, postEvent, redisEnv, startGateway } from '../helpers/gateway.js';
import { openTestSse, type SseClient } from '../helpers/sse-client.js';
import { once } from '../helpers/wait.js';

type Teardown = Pick<ExecutionContext, 'teardown'>;

const SCRIPTS = fileURLToPath(new URL('../../examples/python/', import.meta.url));
/** A fixed producer clock: 17:30:05Z is "27-11-2026 14:30:05" in America/Santiago. */
const AT = '2026-11-27T17:30:05Z';

/** What publish_plain.py prints. */
interface PlainResult {
  ok: boolean;
  receivers: number;
  reason: string | null;
}

/** What publish_durable.py prints. */
interface DurableResult {
  ok: boolean;
  outcome: 'stored' | 'rejected' | 'gave_up';
  id: string | null;
  replayed: boolean;
  status: number | null;
  reason: string | null;
  attempts: number;
  idempotency_key: string;
  elapsed_s: number;
}

/** Runs examples/python/<script> with Debian's Python (killed on teardown); parses its result. */
async function runPython<R>(
  t: Teardown,
  script: string,
  args: string[],
  env: Record<string, string> = {},
) {
  const child = spawn(DEBIAN_PYTHON, [`${SCRIPTS}${script}`, ...args], {
    // No inherited proxy settings or PYTHON* variables; no __pycache__ in the checkout.
    env: { PATH: process.env.PATH ?? '', PYTHONDONTWRITEBYTECODE: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const [code] = await once<[number | null]>(child, 'close', {
    timeoutMs: 60_000,
    message: `${script} ${args.join(' ')} to exit`,
  });
  try {
    return { code, stdout, stderr, result: JSON.parse(stdout) as R };
  } catch {
    throw new Error(`${script} printed no result (exit ${code}):\n${stdout}\n${stderr}`);
  }
}

/** A gateway on the shared Redis (own channel and prefix) and a stream already connected. */
async function gatewayWithStream(t: Teardown) {
  const env = await redisEnv('py');
  const gateway = await startGateway(t, env);
  const stream = await openTestSse(t, `${gateway.url}/api/sse/stream`);
  await stream.next((f) => f.event === 'connected');
  return { env, url: gateway.url, stream };
}

const FENCE = { event_type: 'STATE_CHANGE', tag_spool: 'FENCE' };

/** POSTs the fence event and waits until the stream shows it; returns its id. */
async function fence(url: string, stream: SseClient): Promise<string> {
  const id = await postEvent(url, FENCE);
  await stream.next((f) => f.id === id);
  return id;
}

const updates = (stream: SseClient) => stream.frames.filter((f) => f.event === 'spool_update');
const updateIds = (stream: SseClient) => updates(stream).map((f) => f.id);

/** A frame's producer fields, without the gateway's `spoolcast` object. */
function producerFields(data: string): Record<string, unknown> {
  const { spoolcast: _enrichment, ...fields } = JSON.parse(data) as Record<string, unknown>;
  return fields;
}

/** The producer's JSON text in a frame: everything before the reserved last key. */
const producerText = (data: string) => data.slice(0, data.lastIndexOf(',"spoolcast":'));

type Step = '503' | 'forward' | 'forward-then-drop' | 'forward-then-hang';

/** A POST the proxy saw, and the gateway's answer when it forwarded it. */
interface Proxied {
  step: Step;
  at: number;
  headers: IncomingHttpHeaders;
  upstream?: { status: number; replayed: boolean; body: string };
}

const FORWARDED_HEADERS = ['content-type', 'idempotency-key', 'authorization'];

/**
 * An HTTP server in front of the gateway: the n-th request meets `steps[n]` ('forward' once
 * they run out). '503' answers 503 + Retry-After: 1 without forwarding; 'forward-then-drop'
 * forwards, waits for the gateway's answer, then drops the connection; 'forward-then-hang'
 * forwards and never answers.
 */
async function startFlakyProxy(t: Teardown, target: string, steps: Step[]) {
  const requests: Proxied[] = [];
  const server = http.createServer((req, res) => {
    const seen: Proxied = {
      step: steps[requests.length] ?? 'forward',
      at: performance.now(),
      headers: req.headers,
    };
    requests.push(seen);
    handle(seen, req, res).catch(() => res.destroy());
  });
  const handle = async (seen: Proxied, req: http.IncomingMessage, res: http.ServerResponse) => {
    const body = Buffer.concat(await req.toArray());
    if (seen.step === '503') {
      res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' });
      res.end('{"error":"store_unavailable","message":"the test proxy refused it"}');
      return;
    }
    const headers = Object.fromEntries(
      FORWARDED_HEADERS.flatMap((name) => {
        const value = req.headers[name];
        return typeof value === 'string' ? [[name, value]] : [];
      }),
    );
    const answer = await fetch(`${target}${req.url}`, { method: req.method, headers, body });
    const replayed = answer.headers.get('idempotent-replayed') === 'true';
    seen.upstream = { status: answer.status, replayed, body: await answer.text() };
    if (seen.step === 'forward-then-drop') req.socket.destroy();
    if (seen.step !== 'forward') return;
    res.writeHead(answer.status, {
      'content-type': 'application/json',
      ...(replayed ? { 'idempotent-replayed': 'true' } : {}),
    });
    res.end(seen.upstream.body);
  };
  server.listen(0, '127.0.0.1');
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

test('plain PUBLISH: three events from Python arrive once each, in order, with the fields sent', async (t) => {
  const { env, stream } = await gatewayWithStream(t);
  const fields = (n: number) => ({
    event_type: 'TOMAR',
    tag_spool: `PY-${n}`,
    worker_nombre: 'MR(93)',
    estado_detalle: 'ARM: En Progreso',
    timestamp: '27-11-2026 14:30:05',
    operacion: 'ARM',
    n,
  });
  for (const n of [1, 2, 3]) {
    const { result } = await runPython<PlainResult>(t, 'publish_plain.py', [
      ...['--redis-url', env.REDIS_URL as string, '--channel', env.SPOOLS_CHANNEL as string],
      ...['--at', AT, 'TOMAR', `PY-${n}`, '--worker', 'MR(93)', '--estado', 'ARM: En Progreso'],
      ...['--extra', JSON.stringify({ operacion: 'ARM', n })],
    ]);
    t.deepEqual(result, { ok: true, receivers: 1, reason: null });
  }
  // The fence goes behind them on the same channel, whose order the gateway keeps.
  await connectRedis(t, env.REDIS_URL as string).publish(
    env.SPOOLS_CHANNEL as string,
    JSON.stringify(FENCE),
  );
  await stream.next(
    (f) => f.event === 'spool_update' && producerFields(f.data).tag_spool === 'FENCE',
  );
  t.deepEqual(
    updates(stream).map((f) => producerFields(f.data)),
    [...[1, 2, 3].map(fields), FENCE],
  );
});

test('plain PUBLISH: Python sends the same bytes as the TypeScript RedisEventService', async (t) => {
  const { env, stream } = await gatewayWithStream(t);
  const extra = { operacion: 'ARM', nota: 'línea "1"\n\u2028fin', piezas: [1, null, { a: true }] };
  const service = new RedisEventService(connectRedis(t, env.REDIS_URL as string), {
    keyPrefix: env.REDIS_KEY_PREFIX as string,
    now: () => new Date(AT),
  });
  const fromTs = await service.publishSpoolUpdate(
    'COMPLETAR',
    'SPOOL-Ñ',
    'Muñoz(7)',
    'ARM: Completado',
    extra,
  );
  if (!fromTs.ok) return t.fail(fromTs.reason);
  const python = await runPython<PlainResult>(t, 'publish_plain.py', [
    ...['--redis-url', env.REDIS_URL as string, '--channel', env.SPOOLS_CHANNEL as string],
    ...['--at', AT, 'COMPLETAR', 'SPOOL-Ñ', '--worker', 'Muñoz(7)', '--estado', 'ARM: Completado'],
    ...['--extra', JSON.stringify(extra)],
  ]);
  t.true(python.result.ok);
  const updates = await stream.framesThrough(
    (f) => f.event === 'spool_update' && f.id !== fromTs.id,
    (f) => f.event === 'spool_update',
  );
  t.is(updates.length, 2);
  const [ts, py] = updates;
  t.is(ts?.id, fromTs.id);
  t.is(producerText(py?.data ?? ''), producerText(ts?.data ?? ''));
  t.not(producerText(ts?.data ?? ''), '');
});

test('plain PUBLISH heard by no gateway: the Python publisher says the event is lost', async (t) => {
  const env = await redisEnv('py'); // a fresh channel nobody subscribes to
  const run = await runPython<PlainResult>(t, 'publish_plain.py', [
    ...['--redis-url', env.REDIS_URL as string, '--channel', env.SPOOLS_CHANNEL as string],
    ...['TOMAR', 'PY-1', '--estado', 'ARM: En Progreso'],
  ]);
  t.is(run.code, 1);
  t.like(run.result, { ok: false, receivers: 0 });
  t.regex(run.result.reason ?? '', /lost/);
});

test('durable POST: stored once; a re-run with the same key gets the first id and stores nothing', async (t) => {
  const { url, stream } = await gatewayWithStream(t);
  const publish = () =>
    runPython<DurableResult>(t, 'publish_durable.py', [
      ...['--url', url, '--key', 'completar-PY-1-ARM', 'COMPLETAR', 'PY-1'],
      ...['--worker', 'MR(93)', '--estado', 'ARM: Completado'],
    ]);
  const first = await publish();
  t.like(first.result, { ok: true, outcome: 'stored', replayed: false, attempts: 1, status: 202 });
  const again = await publish();
  t.like(again.result, { ok: true, id: first.result.id, replayed: true });
  const fenceId = await fence(url, stream);
  t.deepEqual(updateIds(stream), [first.result.id, fenceId]);
});

test('durable POST: a 503 is retried after its Retry-After with the same key and token; stored once', async (t) => {
  const { url, stream } = await gatewayWithStream(t);
  const proxy = await startFlakyProxy(t, url, ['503']);
  const token = 'py-test-token.0123456789';
  const run = await runPython<DurableResult>(
    t,
    'publish_durable.py',
    ['-v', '--url', proxy.url, 'TOMAR', 'PY-1', '--estado', 'ARM: En Progreso'],
    { SPOOLCAST_TOKEN: token },
  );
  t.like(run.result, { ok: true, outcome: 'stored', replayed: false, attempts: 2 });
  const [refused, forwarded] = proxy.requests;
  t.true((forwarded?.at ?? 0) - (refused?.at ?? 0) >= 1000, 'waited at least Retry-After: 1');
  for (const seen of proxy.requests) {
    t.like(seen.headers, {
      'idempotency-key': run.result.idempotency_key,
      authorization: `Bearer ${token}`,
    });
  }
  t.regex(run.stderr, /attempt 1: 503 store_unavailable/);
  t.false(run.stdout.includes(token) || run.stderr.includes(token), 'the token is never printed');
  const fenceId = await fence(url, stream);
  t.deepEqual(updateIds(stream), [run.result.id, fenceId]);
});

test('durable POST: stored but the answer lost (dropped, then timed out): the retry is a replay; stored once', async (t) => {
  const { url, stream } = await gatewayWithStream(t);
  const proxy = await startFlakyProxy(t, url, ['forward-then-drop', 'forward-then-hang']);
  const run = await runPython<DurableResult>(t, 'publish_durable.py', [
    ...['-v', '--url', proxy.url, '--attempt-timeout', '1'],
    ...['PAUSAR', 'PY-2', '--worker', 'JP(12)', '--estado', 'SOLD: Pausado'],
  ]);
  t.like(run.result, { ok: true, outcome: 'stored', replayed: true, attempts: 3 });
  // The first attempt stored the event; the gateway answered the other two with its id.
  const body = JSON.stringify({ id: run.result.id });
  t.deepEqual(
    proxy.requests.map((seen) => seen.upstream),
    [false, true, true].map((replayed) => ({ status: 202, replayed, body })),
  );
  t.is(new Set(proxy.requests.map((seen) => seen.headers['idempotency-key'])).size, 1);
  const fenceId = await fence(url, stream);
  t.deepEqual(updateIds(stream), [run.result.id, fenceId]);
});

const refusedOnce = test.macro(
  async (t, gatewayEnv: Record<string, string>, args: string[], status: number, reason: RegExp) => {
    const gateway = await startGateway(t, { ...(await redisEnv('py')), ...gatewayEnv });
    const proxy = await startFlakyProxy(t, gateway.url, []);
    const run = await runPython<DurableResult>(t, 'publish_durable.py', [
      '--url',
      proxy.url,
      ...args,
    ]);
    t.is(run.code, 1);
    t.like(run.result, { ok: false, outcome: 'rejected', status, id: null, attempts: 1 });
    t.regex(run.result.reason ?? '', reason);
    t.is(proxy.requests.length, 1, 'not retried');
  },
);

test(
  'durable POST: a 400 is not retried; the gateway reasons are reported',
  refusedOnce,
  {},
  ['tomar', 'PY-3', '--estado', 'x'],
  400,
  /^400 invalid_event: invalid_value: event_type/,
);

test(
  'durable POST: a 413 is not retried',
  refusedOnce,
  { MAX_EVENT_BYTES: '1024' },
  ['TOMAR', 'PY-4', '--estado', 'x'.repeat(2000)],
  413,
  /^413 /,
);

test('durable POST: with no gateway it gives up at its deadline and says nothing was stored', async (t) => {
  const url = `http://127.0.0.1:${await getFreePort()}`; // nothing listens there
  const run = await runPython<DurableResult>(t, 'publish_durable.py', [
    ...['--url', url, '--deadline', '1', 'TOMAR', 'PY-5', '--estado', 'ARM: x'],
  ]);
  t.is(run.code, 3);
  t.like(run.result, { ok: false, outcome: 'gave_up', id: null, status: null });
  t.true(run.result.attempts > 1 && run.result.elapsed_s <= 1.2, JSON.stringify(run.result));
  t.regex(run.result.reason ?? '', /Connection refused.*Nothing was stored/);
});

test('durable POST: 503 until the deadline: gives up and says it may have been stored', async (t) => {
  const proxy = await startFlakyProxy(t, 'http://127.0.0.1:9', ['503', '503', '503', '503']);
  const run = await runPython<DurableResult>(t, 'publish_durable.py', [
    ...[
      '--url',
      proxy.url,
      '--deadline',
      '1.5',
      '--key',
      'k-PY-6',
      'TOMAR',
      'PY-6',
      '--estado',
      'x',
    ],
  ]);
  t.is(run.code, 3);
  t.like(run.result, { ok: false, outcome: 'gave_up', status: 503, id: null });
  t.regex(
    run.result.reason ?? '',
    /may have been stored: publish again with idempotency_key='k-PY-6'/,
  );
});
