/**
 * A Sentinel-managed Redis on loopback for failover tests: a master, a replica and three
 * redis-sentinel processes on free ports, all killed on teardown. Both data nodes run with
 * `min-replicas-to-write 1`, as the README recommends for Sentinel: a master cut off from
 * its replica refuses writes instead of acknowledging what the failover would discard.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ExecutionContext } from 'ava';
import { Redis } from 'ioredis';
import { findBinary, spawnDaemon, tempDir, waitForPort } from './daemon.js';
import { getFreePort } from './free-port.js';
import { type RedisHandle, startTestRedis } from './redis-server.js';
import { waitFor } from './wait.js';

/** Master name the sentinels watch. */
export const MASTER_NAME = 'spoolcastmaster';

// No 5 s wait before a replica's sync (Redis 7's default batches replicas that never come here).
const SAFE_WRITES = [
  '--min-replicas-to-write',
  '1',
  '--min-replicas-max-lag',
  '10',
  '--repl-diskless-sync-delay',
  '0',
];

/** The running set. */
export interface SentinelSet {
  master: RedisHandle;
  replicas: RedisHandle[];
  sentinelPorts: number[];
  /** `REDIS_SENTINELS` for the gateway. */
  sentinelsEnv: string;
  /** A client of the first sentinel (closed on teardown). */
  sentinel: Redis;
  /** Port of the current master according to the first sentinel. */
  masterPort(): Promise<number>;
}

/** Starts master, replica and three sentinels; resolves once the sentinels see the replica in sync. */
export async function startSentinelSet(
  t: Pick<ExecutionContext, 'teardown'>,
): Promise<SentinelSet> {
  const bin = findBinary('redis-sentinel');
  const master = await startTestRedis(t, { args: [...SAFE_WRITES] });
  const replicas = await Promise.all(
    [0].map(() =>
      startTestRedis(t, {
        args: ['--replicaof', '127.0.0.1', String(master.port), ...SAFE_WRITES],
      }),
    ),
  );
  const dir = tempDir(t, 'sentinel');
  const sentinelPorts: number[] = [];
  for (let i = 0; i < 3; i += 1) {
    const port = await getFreePort();
    // Sentinel rewrites its config file, so each gets its own writable copy.
    const conf = path.join(dir, `sentinel-${i}.conf`);
    fs.writeFileSync(
      conf,
      [
        `port ${port}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `sentinel monitor ${MASTER_NAME} 127.0.0.1 ${master.port} 2`,
        `sentinel down-after-milliseconds ${MASTER_NAME} 2000`,
        `sentinel failover-timeout ${MASTER_NAME} 10000`,
        `sentinel parallel-syncs ${MASTER_NAME} 1`,
        '',
      ].join('\n'),
    );
    const daemon = spawnDaemon(t, bin, [conf], dir);
    await waitForPort(daemon, port, `redis-sentinel ${i}`);
    sentinelPorts.push(port);
  }
  const sentinel = new Redis({
    port: sentinelPorts[0],
    host: '127.0.0.1',
    maxRetriesPerRequest: 1,
  });
  sentinel.on('error', () => undefined);
  t.teardown(() => sentinel.disconnect());
  // A forced failover needs replicas the sentinel knows to be in sync.
  await waitFor(
    async () => {
      const known = (await sentinel.call('SENTINEL', 'REPLICAS', MASTER_NAME)) as string[][];
      const inSync = known
        .map(toRecord)
        .filter((info) => info.flags === 'slave' && info['master-link-status'] === 'ok');
      return replicas.every((r) => inSync.some((info) => info.port === String(r.port)));
    },
    { timeoutMs: 30_000, intervalMs: 100, message: 'the sentinels to see the replica in sync' },
  );
  return {
    master,
    replicas,
    sentinelPorts,
    sentinelsEnv: sentinelPorts.map((p) => `127.0.0.1:${p}`).join(','),
    sentinel,
    async masterPort() {
      const [, port] = (await sentinel.call(
        'SENTINEL',
        'GET-MASTER-ADDR-BY-NAME',
        MASTER_NAME,
      )) as string[];
      return Number(port);
    },
  };
}

function toRecord(fields: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) out[fields[i] as string] = fields[i + 1] as string;
  return out;
}
