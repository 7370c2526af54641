import test from 'ava';
import { decideReadiness, type ReadinessInput } from '../../src/observability/readiness.js';

const base: ReadinessInput = {
  isPipelineUp: true,
  isDraining: false,
  bus: 'ok',
  busKind: 'redis',
  poolQueueDepth: 0,
  openStreams: 3,
};

test('ready once the pipeline is up', (t) => {
  t.is(decideReadiness(base).status, 200);
});

test('not ready before the pipeline is up or while draining', (t) => {
  t.is(decideReadiness({ ...base, isPipelineUp: false }).status, 503);
  t.is(decideReadiness({ ...base, isDraining: true }).status, 503);
});

test('a Redis outage alone keeps it ready and shows in the body', (t) => {
  const decision = decideReadiness({ ...base, bus: 'down' });
  t.is(decision.status, 200);
  t.like(decision.body, { bus: { kind: 'redis', status: 'down' } });
});
