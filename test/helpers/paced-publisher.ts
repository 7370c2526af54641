/**
 * A producer that POSTs numbered events one after another, a short pause between them,
 * until stopped, recording each acknowledged id in order: events keep coming before,
 * during and after whatever a test does to the path between gateway and screen.
 */
import type { ExecutionContext } from 'ava';

/** Publishes to `url` every `pauseMs` (default 100) until `stop()`; `ids` grows with each 202. */
export function startPacedPublisher(
  t: Pick<ExecutionContext, 'teardown'>,
  url: string,
  pauseMs = 100,
) {
  const ids: string[] = [];
  let isStopped = false;
  const loop = (async () => {
    for (let n = 0; !isStopped; n += 1) {
      const response = await fetch(`${url}/api/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ event_type: 'STATE_CHANGE', tag_spool: `P-${n % 5}`, n }),
      });
      if (response.status !== 202) throw new Error(`POST answered ${response.status}`);
      ids.push(((await response.json()) as { id: string }).id);
      // Pacing, not synchronisation: a steady trickle instead of a flood.
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  })();
  const stop = async () => {
    isStopped = true;
    await loop;
    return ids;
  };
  t.teardown(() => stop().then(() => undefined));
  return { ids, stop };
}
