/**
 * Sentinel failover under load: a gateway on REDIS_SENTINELS, clients streaming, events
 * published over POST /api/events (non-202 answers retried with the same Idempotency-Key),
 * and a forced failover in the middle. Every acknowledged event survives and reaches every
 * client once and in order; an event shown but lost by the promotion is withdrawn by a
 * resync; publishing recovers without anyone restarting anything.
 */

import test from 'ava';
import { redisNames } from '../../src/bus/redis/names.js';
import { compareIds } from '../../src/domain/event-id.js';
import { connectRedis, startGateway } from '../helpers/gateway.js';
import { startHttpPublisher } from '../helpers/publisher.js';
import { startTestRedis, uniquePrefix } from '../helpers/redis-server.js';
import { startResumingClient } from '../helpers/resuming-client.js';
import { MASTER_NAME, startSentinelSet } from '../helpers/sentinel.js';
import { waitFor } from '../helpers/wait.js';

test('a forced Sentinel failover while publishing loses no acknowledged event and publishing recovers', async (t) => {
  t.timeout(180_000);
  const redis = await startSentinelSet(t);
  const prefix = uniquePrefix('sentinel');
  const gateway = await startGateway(t, {
    REDIS_SENTINELS: redis.sentinelsEnv,
    REDIS_SENTINEL_MASTER: MASTER_NAME,
    REDIS_KEY_PREFIX: prefix,
    SPOOLS_CHANNEL: `${prefix}spools`,
  });
  t.is(gateway.feed.kind, 'redis');
  const clients = await Promise.all(
    [1, 2, 3].map(() => startResumingClient(t, [`${gateway.url}/api/sse/stream`])),
  );
  await Promise.all(
    clients.map((c) =>
      c.waitUntil((x) => x.frames.some((f) => f.event === 'connected'), 'connected'),
    ),
  );
  const publisher = startHttpPublisher(t, () => [gateway.url], 'failover');
  await publisher.waitForAcks(10);

  t.is(await redis.masterPort(), redis.master.port);
  const t0 = performance.now();
  await redis.sentinel.call('SENTINEL', 'FAILOVER', MASTER_NAME);
  await waitFor(async () => (await redis.masterPort()) !== redis.master.port, {
    timeoutMs: 60_000,
    message: 'the sentinels to promote a replica',
  });
  const acksAtFailover = publisher.acked.length;
  t.log(`promoted after ${Math.round(performance.now() - t0)} ms`);
  // Recovers on its own: new publishes are acknowledged by the promoted master.
  await publisher.waitForAcks(acksAtFailover + 20, 90_000);
  t.log(`recovered after ${Math.round(performance.now() - t0)} ms`);
  const acked = await publisher.stop();
  t.log(`acknowledged ${acked.length}, retried answers ${JSON.stringify([...publisher.failures])}`);

  // Acknowledged means replicated: the promoted master holds every acknowledged event, and
  // (each retry reusing its Idempotency-Key) nothing else.
  const promoted = connectRedis(t, `redis://127.0.0.1:${await redis.masterPort()}`);
  const history = (await promoted.xrange(redisNames(prefix).events, '-', '+')) as [
    string,
    string[],
  ][];
  const storedIds = history.map(([id]) => id);
  t.deepEqual(
    storedIds,
    acked.map((x) => x.id),
  );
  const stored = new Set(storedIds);
  const snapshotIds = new Set<string>();
  for (const client of clients) {
    await client.waitUntil(
      (x) => x.updates().some((f) => f.id === acked.at(-1)?.id),
      'the last acknowledged event',
      60_000,
    );
    const frames = client.frames;
    // An event stored on the old master and shown before its replica confirmed it (its
    // publish answered 503) can be lost by the promotion: the gateway then finds its place
    // gone from the promoted master and resyncs every screen to what that master holds.
    const lastLost = frames.findLastIndex(
      (f) => f.event === 'spool_update' && !stored.has(f.id as string),
    );
    // Every acknowledged event reached this screen once, in order.
    t.deepEqual(
      client
        .updates()
        .map((f) => f.id as string)
        .filter((id) => stored.has(id)),
      storedIds,
    );
    if (lastLost >= 0) {
      t.log(`client shown ${frames[lastLost]?.id}, lost in the failover: resynced`);
      t.true(frames.slice(lastLost).some((f) => f.event === 'resync'));
    }
    // From its last snapshot on (or from the start), each screen shows exactly the history.
    const lastSnapshot = frames.findLastIndex((f) => f.event === 'snapshot');
    const asOf = lastSnapshot >= 0 ? (frames[lastSnapshot]?.id as string) : '0-0';
    snapshotIds.add(asOf);
    if (asOf !== '0-0') t.true(stored.has(asOf), 'the snapshot is of the promoted history');
    t.deepEqual(
      frames
        .slice(lastSnapshot + 1)
        .filter((f) => f.event === 'spool_update')
        .map((f) => f.id),
      storedIds.filter((id) => compareIds(id, asOf) > 0),
    );
  }
  t.is(snapshotIds.size, 1, 'every screen resynced to the same point, or none did');
});

test('PUBLISH_REPLICA_ACKS: without a replica to confirm, POST answers 503 with the reason; the retry with the same key is acknowledged once', async (t) => {
  const master = await startTestRedis(t, { args: ['--repl-diskless-sync-delay', '0'] });
  const replica = await startTestRedis(t, {
    args: ['--replicaof', '127.0.0.1', String(master.port)],
  });
  const prefix = uniquePrefix('acks');
  const gateway = await startGateway(t, {
    REDIS_URL: master.url,
    REDIS_KEY_PREFIX: prefix,
    SPOOLS_CHANNEL: `${prefix}spools`,
    PUBLISH_REPLICA_ACKS: '1',
    PUBLISH_TIMEOUT_MS: '500',
  });
  const replicaClient = connectRedis(t, replica.url);
  const masterClient = connectRedis(t, master.url);
  const linked = async () => /master_link_status:up/.test(await replicaClient.info('replication'));
  await waitFor(linked, { message: 'the replica to sync' });
  const post = () =>
    fetch(`${gateway.url}/api/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': 'acks-1' },
      body: JSON.stringify({ event_type: 'TOMAR', tag_spool: 'SPOOL-1' }),
    });

  await replicaClient.replicaof('NO', 'ONE');
  const refused = await post();
  t.is(refused.status, 503);
  t.regex(
    ((await refused.json()) as { message: string }).message,
    /only 0 of 1 replicas confirmed.*Idempotency-Key/,
  );

  await replicaClient.replicaof('127.0.0.1', String(master.port));
  await waitFor(linked, { message: 'the replica to sync again' });
  // The replica's first acknowledgement after the resync can take a moment on a busy
  // machine: retry with the same key, as a producer would, until it is acknowledged.
  const retried = await waitFor(
    async () => {
      const response = await post();
      return response.status === 202 ? response : null;
    },
    { intervalMs: 100, message: 'the retried publish to be acknowledged' },
  );
  t.is(retried.status, 202);
  t.is(retried.headers.get('idempotent-replayed'), 'true');
  t.is(await masterClient.xlen(redisNames(prefix).events), 1);
});
