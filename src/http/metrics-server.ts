/**
 * `METRICS_PORT`: `/metrics` on a port of its own, so a NetworkPolicy can let only the
 * monitoring namespace reach it (a policy selects ports, not paths).
 */
import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';

/** A server that answers `GET /metrics` from `registry` and 404 to anything else. */
export function createMetricsServer(registry: Registry): Server {
  return createServer((req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'Content-Type': registry.contentType }).end(text),
      () => res.writeHead(500).end(),
    );
  });
}
