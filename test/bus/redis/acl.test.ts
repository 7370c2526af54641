/**
 * The Redis ACL users of k8s/redis/users.acl (docs/operations.md, "ACLs") on a real
 * redis-server that loads that file: a gateway running as its user does everything it does
 * and Redis refuses it nothing (ACL LOG), and the producer's user may PUBLISH on the
 * producers' channel and do nothing else. The rules are the file's own lines; only the
 * passwords are the test's, and a test-only admin user reads the ACL LOG.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import test, { type ExecutionContext } from 'ava';
import { Redis } from 'ioredis';
import { DEBIAN_PYTHON } from '../../../support/system-packages.js';
import { checkedFetch } from '../../helpers/api-contract.js';
import { tempDir } from '../../helpers/daemon.js';
import { postEvent, spoolEvent, startGateway } from '../../helpers/gateway.js';
import { startTestRedis } from '../../helpers/redis-server.js';
import { openTestSse } from '../../helpers/sse-client.js';
import { waitFor } from '../../helpers/wait.js';

type Teardown = Pick<ExecutionContext, 'teardown'>;

const USERS_ACL = new URL('../../../k8s/redis/users.acl', import.meta.url);
const PLAIN_PRODUCER = fileURLToPath(
  new URL('../../../examples/python/publish_plain.py', import.meta.url),
);
const GATEWAY = 'spoolcast-gateway';
const PRODUCER = 'shopfloor';
const ADMIN = 'acl-test-admin';
const STREAM = '/api/sse/stream';

/** A redis-server with users.acl's users (fresh passwords) and a URL for each user. */
async function startAclRedis(t: Teardown) {
  const dir = tempDir(t, 'acl');
  const passwords = new Map<string, string>();
  const lines = readFileSync(USERS_ACL, 'utf8')
    .trim()
    .split('\n')
    .map((line) => {
      const user = line.split(' ')[1] as string;
      passwords.set(user, randomBytes(12).toString('hex'));
      return line.replace(/ >\S+/, ` >${passwords.get(user)}`);
    });
  passwords.set(ADMIN, randomBytes(12).toString('hex'));
  lines.push(`user ${ADMIN} on >${passwords.get(ADMIN)} ~* &* +@all`);
  writeFileSync(join(dir, 'users.acl'), `${lines.join('\n')}\n`);
  const redis = await startTestRedis(t, { args: ['--aclfile', join(dir, 'users.acl')] });
  const urlOf = (user: string) => `redis://${user}:${passwords.get(user)}@127.0.0.1:${redis.port}`;
  return { url: redis.url, urlOf, passwordOf: (user: string) => passwords.get(user) as string };
}

/** An ioredis client as `user`; no ready check (INFO), which a user without it refuses. */
function connectAs(t: Teardown, url: string): Redis {
  const client = new Redis(url, { enableReadyCheck: false, maxRetriesPerRequest: 1 });
  client.on('error', () => undefined);
  t.teardown(() => client.disconnect());
  return client;
}

/** A gateway on the ACL Redis as the gateway user, with the default prefix and channel. */
async function startAclGateway(t: Teardown, env: Record<string, string> = {}) {
  const redis = await startAclRedis(t);
  const gateway = await startGateway(t, {
    REDIS_URL: redis.url,
    REDIS_USERNAME: GATEWAY,
    REDIS_PASSWORD: redis.passwordOf(GATEWAY),
    SSE_PING_INTERVAL_S: '0.05',
    ...env,
  });
  return { redis, gateway };
}

/** What Redis refused `user` so far (ACL LOG, read as the test's admin). */
async function deniedTo(admin: Redis, user: string): Promise<string[]> {
  // Each entry comes as a flat [name, value, …] list through `call`.
  const entries = (await admin.call('ACL', 'LOG')) as unknown[][];
  return entries
    .map((flat) => new Map(flat.flatMap((v, i) => (i % 2 === 0 ? [[v, flat[i + 1]]] : []))))
    .filter((entry) => entry.get('username') === user)
    .map((entry) => `${entry.get('reason')} ${entry.get('object')} (${entry.get('context')})`);
}

const isUpdateOf = (tag: string) => (f: { event: string; data: string }) =>
  f.event === 'spool_update' && JSON.parse(f.data).tag_spool === tag;

test('a plain PUBLISH by the producer user (the Python backend, redis-py) is stored and streamed', async (t) => {
  const { redis, gateway } = await startAclGateway(t);
  const client = await openTestSse(t, `${gateway.url}${STREAM}`);
  await client.next((f) => f.event === 'connected');
  const { stdout } = await promisify(execFile)(
    DEBIAN_PYTHON,
    [
      PLAIN_PRODUCER,
      '--redis-url',
      redis.urlOf(PRODUCER),
      'TOMAR',
      'SPOOL-ACL',
      '--estado',
      'ARM: En Progreso',
    ],
    { env: { PATH: process.env.PATH ?? '', PYTHONDONTWRITEBYTECODE: '1' }, timeout: 30_000 },
  );
  t.like(JSON.parse(stdout), { ok: true, reason: null });
  const update = await client.next(isUpdateOf('SPOOL-ACL'));
  t.regex(update.id ?? '', /^\d+-\d+$/);
  const ready = await (await checkedFetch(`${gateway.url}/readyz`)).json();
  t.like(ready, { status: 'ready', bus: { kind: 'redis', status: 'ok' } });
});

test('as the gateway user a POST is stored once per Idempotency-Key and ?snapshot=1 shows it', async (t) => {
  const { gateway } = await startAclGateway(t);
  const event = JSON.parse(spoolEvent(1));
  const key = { 'Idempotency-Key': 'acl-1' };
  const id = await postEvent(gateway.url, event, key);
  t.is(await postEvent(gateway.url, event, key), id);
  const client = await openTestSse(t, `${gateway.url}${STREAM}?snapshot=1`);
  const snapshot = JSON.parse((await client.next((f) => f.event === 'snapshot')).data);
  t.like(snapshot, { as_of: id, spools: [{ tag_spool: 'SPOOL-1', last_event_id: id }] });
});

test('as the gateway user a resume with Last-Event-ID replays what followed from Redis', async (t) => {
  const { gateway } = await startAclGateway(t);
  const first = await postEvent(gateway.url, JSON.parse(spoolEvent(1)));
  const second = await postEvent(gateway.url, JSON.parse(spoolEvent(2)));
  const client = await openTestSse(t, `${gateway.url}${STREAM}`, {
    headers: { 'Last-Event-ID': first },
  });
  const replayed = await client.framesThrough(
    (f) => f.id === second,
    (f) => f.event === 'spool_update',
  );
  t.deepEqual(
    replayed.map((f) => f.id),
    [second],
  );
});

test('as the gateway user a bad plain PUBLISH is dead-lettered and the next good one streamed', async (t) => {
  const { redis, gateway } = await startAclGateway(t);
  const client = await openTestSse(t, `${gateway.url}${STREAM}`);
  await client.next((f) => f.event === 'connected');
  const producer = connectAs(t, redis.urlOf(PRODUCER));
  await producer.publish('spools:updates', 'not json');
  await producer.publish('spools:updates', spoolEvent(2));
  await client.next(isUpdateOf('SPOOL-2'));
  // Read back as the gateway user (XREVRANGE), as GET /api/… and the CLI do.
  const letters = await waitFor(
    async () => {
      const rows = await gateway.store.readDeadLetters(10);
      return rows.length > 0 && rows;
    },
    { message: 'the bad message in the dead letters' },
  );
  t.is(letters.length, 1);
  t.like(letters[0], { reason: 'not_json', payload: 'not json', source: 'redis' });
});

test('nothing a gateway sends as its user is refused: probes, CLIENT LIST, WAIT, scripts (ACL LOG)', async (t) => {
  // Credentials and a database in the URL this time (ioredis then sends SELECT), and a
  // replica acknowledgement asked for, so the publish also runs WAIT.
  const redis = await startAclRedis(t);
  const gateway = await startGateway(t, {
    REDIS_URL: `${redis.urlOf(GATEWAY)}/1`,
    PUBLISH_REPLICA_ACKS: '1',
    PUBLISH_TIMEOUT_MS: '200',
    SSE_PING_INTERVAL_S: '0.05',
  });
  const response = await checkedFetch(`${gateway.url}/api/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: spoolEvent(1),
  });
  // No replica here: WAIT ran and counted none (a refused WAIT reads "could not be confirmed").
  t.is(response.status, 503);
  t.regex(((await response.json()) as { message: string }).message, /only 0 of 1 replicas/);
  const admin = connectAs(t, redis.urlOf(ADMIN));
  // A few probe rounds (PING on both connections, CLIENT LIST for the subscriber's buffer).
  const clientListCalls = async () =>
    Number(/cmdstat_client\|list:calls=(\d+)/.exec(await admin.info('commandstats'))?.[1] ?? 0);
  await waitFor(async () => (await clientListCalls()) >= 3, {
    message: 'three CLIENT LIST probes',
  });
  t.deepEqual(await deniedTo(admin, GATEWAY), []);
});

test('the producer user may PUBLISH on spools:updates and nothing else', async (t) => {
  const redis = await startAclRedis(t);
  const producer = connectAs(t, redis.urlOf(PRODUCER));
  t.is(await producer.publish('spools:updates', spoolEvent(1)), 0);
  // One at a time (a refused SUBSCRIBE last: it leaves the client in subscriber mode).
  const refusals = [
    () => producer.xadd('spoolcast:v2:events', '*', 'e', '{}'),
    () => producer.hset('spoolcast:state', 'SPOOL-1', '{}'),
    () => producer.set('spoolcast:idem:k', '1'),
    () => producer.get('spoolcast:state'),
    () => producer.publish('spoolcast:v2:announce', '1-0\n[]\n{}'),
    () => producer.publish('spools:other', spoolEvent(1)),
    () => producer.subscribe('spools:updates'),
  ];
  for (const refusal of refusals) await t.throwsAsync(refusal, { message: /^NOPERM/ });
  // The default user is off: without a user name nobody gets in.
  const anonymous = connectAs(t, redis.url);
  await t.throwsAsync(anonymous.publish('spools:updates', spoolEvent(1)), { message: /^NOAUTH/ });
});

test('the gateway user is held to its keys and commands: no other key, no admin command', async (t) => {
  const redis = await startAclRedis(t);
  const gateway = connectAs(t, redis.urlOf(GATEWAY));
  t.is(await gateway.get('spoolcast:idem:k'), null);
  const refusals = [
    () => gateway.get('sessions:1'),
    () => gateway.publish('other:channel', 'x'),
    () => gateway.call('FLUSHALL'),
    () => gateway.call('CONFIG', 'SET', 'appendonly', 'no'),
    () => gateway.call('KEYS', '*'),
    () => gateway.call('DEL', 'spoolcast:state'),
  ];
  for (const refusal of refusals) await t.throwsAsync(refusal, { message: /^NOPERM/ });
});
