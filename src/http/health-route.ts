/** `GET /healthz`, `/readyz` and `/metrics` (docs/contract.md §3). */
import type { Router } from '@koa/router';
import type { Registry } from 'prom-client';
import type { ReadinessInput } from '../observability/readiness.js';
import { decideReadiness } from '../observability/readiness.js';

/** Mounts the health and metrics routes. */
export function mountHealthRoutes(
  router: Router,
  readiness: () => ReadinessInput,
  registry: Registry,
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
  router.get('/metrics', async (ctx) => {
    ctx.type = registry.contentType;
    ctx.body = await registry.metrics();
  });
}
