import test from 'ava';
import {
  connectRedis,
  metricValue,
  redisEnv,
  spoolEvent,
  startGateway,
} from '../helpers/gateway.js';
import { openTestSse } from '../helpers/sse-client.js';
import { waitFor } from '../helpers/wait.js';

// One bad message per docs/contract.md §1 rule, with the reason it must be counted under.
const BAD: [string, string | Buffer][] = [
  ['not_json', '{"event_type":"TOMAR",'],
  ['not_object', '["TOMAR","SPOOL-1"]'],
  ['not_object', 'null'],
  ['missing_field', '{"tag_spool":"SPOOL-1"}'],
  ['missing_field', '{"event_type":"TOMAR"}'],
  ['wrong_type', '{"event_type":7,"tag_spool":"SPOOL-1"}'],
  ['wrong_type', '{"event_type":"TOMAR","tag_spool":"SPOOL-1","worker_nombre":93}'],
  ['invalid_value', '{"event_type":"tomar","tag_spool":"SPOOL-1"}'],
  ['invalid_value', '{"event_type":"TOMAR","tag_spool":"SPOOL\\u0000-1"}'],
  ['too_large', spoolEvent(0, { pad: 'x'.repeat(2048) })],
  ['reserved_key', '{"event_type":"TOMAR","tag_spool":"SPOOL-1","spoolcast":{"id":"1-0"}}'],
  [
    'forbidden_key',
    '{"event_type":"TOMAR","tag_spool":"SPOOL-1","a":[{"b":{"__proto__":{"x":1}}}]}',
  ],
  ['forbidden_key', '{"event_type":"TOMAR","tag_spool":"SPOOL-1","deep":{"constructor":{}}}'],
  ['forbidden_key', '{"event_type":"TOMAR","tag_spool":"SPOOL-1","prototype":1}'],
  ['duplicate_key', '{"event_type":"TOMAR","tag_spool":"SPOOL-1","event_type":"COMPLETAR"}'],
  ['duplicate_key', '{"event_type":"TOMAR","tag_spool":"SPOOL-1","x":{"a":1,"\\u0061":2}}'],
  ['invalid_unicode', '{"event_type":"TOMAR","tag_spool":"SPOOL-1","worker_nombre":"\\ud800"}'],
  ['invalid_unicode', '{"event_type":"TOMAR","tag_spool":"SPOOL-1","\\udfff":1}'],
  // Bytes that are not UTF-8 (a lone 0xff inside a string), sent as they are.
  [
    'invalid_unicode',
    Buffer.concat([
      Buffer.from('{"event_type":"TOMAR","tag_spool":"SPOOL-'),
      Buffer.from([0xff]),
      Buffer.from('"}'),
    ]),
  ],
];

test('every rejection rule: counted, dead-lettered, never sent, and good events keep flowing in order', async (t) => {
  const env = await redisEnv();
  const gateway = await startGateway(t, { ...env, MAX_EVENT_BYTES: '1024' });
  const client = await openTestSse(t, `${gateway.url}/api/sse/stream`);
  await client.next((f) => f.event === 'connected');
  const producer = connectRedis(t, env.REDIS_URL as string);
  const channel = env.SPOOLS_CHANNEL as string;
  await producer.publish(channel, spoolEvent(1));
  for (const [, payload] of BAD) await producer.publish(channel, payload);
  await producer.publish(channel, spoolEvent(2));

  const isLast = (f: { event: string; data: string }) =>
    f.event === 'spool_update' && JSON.parse(f.data).n === 2;
  const updates = await client.framesThrough(isLast, (f) => f.event === 'spool_update');
  t.deepEqual(
    updates.map((f) => JSON.parse(f.data).n),
    [1, 2],
  );
  const letters = await waitFor(
    async () => {
      const rows = await gateway.store.readDeadLetters(100);
      return rows.length >= BAD.length && rows;
    },
    { message: 'every bad message in the dead-letter store' },
  );
  t.deepEqual(
    letters.map((l) => l.reason),
    BAD.map(([reason]) => reason),
  );
  const counts = new Map<string, number>();
  for (const [reason] of BAD) counts.set(reason, (counts.get(reason) ?? 0) + 1);
  for (const [reason, count] of counts) {
    t.is(
      await metricValue(gateway, 'spoolcast_events_rejected_total', { reason, source: 'redis' }),
      count,
      reason,
    );
  }
  t.false(client.frames.some((f) => f.event === 'spool_update' && JSON.parse(f.data).n === 0));
});
