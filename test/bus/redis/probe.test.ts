import test from 'ava';
import { BusProbe, type Pingable, probeTimeoutMs } from '../../../src/bus/redis/probe.js';

/** A target whose PINGs hang while `isFrozen`, else answer at once. */
function target(): Pingable & { isFrozen: boolean; pings: number } {
  return {
    isFrozen: false,
    pings: 0,
    ping() {
      this.pings += 1;
      return this.isFrozen ? new Promise(() => undefined) : Promise.resolve('PONG');
    },
  };
}

function probeOf(targets: Record<string, Pingable>) {
  const changes: [boolean, string[]][] = [];
  const probe = new BusProbe({
    targets,
    intervalMs: 60_000, // rounds are driven by the test
    timeoutMs: 20,
    onChange: (isHealthy, failed) => changes.push([isHealthy, failed]),
  });
  probe.start();
  return { probe, changes };
}

test('a connection that misses the deadline turns the bus down once, naming it', async (t) => {
  const sub = target();
  const cmd = target();
  const { probe, changes } = probeOf({ sub, cmd });
  await probe.round();
  t.deepEqual(changes, []);
  sub.isFrozen = true;
  await probe.round();
  await probe.round();
  t.false(probe.isHealthy);
  t.deepEqual(changes, [[false, ['sub']]]);
  probe.stop();
});

test('the bus is healthy again only when every connection answers', async (t) => {
  const sub = target();
  const cmd = target();
  const { probe, changes } = probeOf({ sub, cmd });
  sub.isFrozen = true;
  cmd.isFrozen = true;
  await probe.round();
  sub.isFrozen = false;
  await probe.round();
  t.false(probe.isHealthy);
  cmd.isFrozen = false;
  await probe.round();
  t.true(probe.isHealthy);
  t.deepEqual(changes, [
    [false, ['sub', 'cmd']],
    [true, []],
  ]);
  probe.stop();
});

test('rounds do not stack PINGs on a connection that has not answered', async (t) => {
  const sub = target();
  const { probe } = probeOf({ sub });
  sub.isFrozen = true;
  const first = probe.round();
  await probe.round(); // skipped: the first is still waiting on its deadline
  await first;
  t.is(sub.pings, 1);
  probe.stop();
});

test('the deadline is one heartbeat period, never under 2 s', (t) => {
  t.is(probeTimeoutMs(15_000), 15_000);
  t.is(probeTimeoutMs(50), 2000);
});
