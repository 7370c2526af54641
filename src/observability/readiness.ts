/**
 * Readiness (docs/contract.md §3): not ready before the pipeline is up or while draining. A Redis
 * outage alone keeps the pod ready: its clients still get heartbeats saying `bus: down`,
 * and the gap is filled when Redis returns; failing readiness would only move them around.
 */
import type { BusHealth } from '../domain/bus-health.js';

/** What the readiness decision looks at. */
export interface ReadinessInput {
  isPipelineUp: boolean;
  isDraining: boolean;
  bus: BusHealth;
  busKind: 'redis' | 'memory';
  poolQueueDepth: number;
  openStreams: number;
}

/** The `/readyz` answer: status code and body. */
export function decideReadiness(input: ReadinessInput): { status: 200 | 503; body: object } {
  const state = input.isDraining ? 'draining' : input.isPipelineUp ? 'ready' : 'starting';
  return {
    status: state === 'ready' ? 200 : 503,
    body: {
      status: state,
      bus: { kind: input.busKind, status: input.bus },
      pool: { queue_depth: input.poolQueueDepth },
      open_streams: input.openStreams,
    },
  };
}
