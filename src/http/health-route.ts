/** `GET /healthz`, `/readyz` and `/metrics` (docs/contract.md §3). */
import type { Router } from '@koa/router';
import type { Registry } from 'prom-client';
import type { ReadinessInput } from '../observability/readiness.js';
import { decideReadiness } from '../observability/readiness.js';

/** Mounts the health routes, and `/metrics` when `registry` is given (no `METRICS_PORT`). */
export function mountHealthRoutes(
  router: Router,
  readiness: () => ReadinessInput,
  registry: Registry | null,
): void {
  // Liveness never looks at Redis: restarting the pod would not bring Redis back.
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', (ctx) => {
    const decision = decideReadiness(readiness());
    ctx.status = decision.status;
    ctx.body = decision.body;
  });
  if (registry === null) return;
  router.get('/metrics', async (ctx) => {
    ctx.type = registry.contentType;
    ctx.body = await registry.metrics();
  });
}
