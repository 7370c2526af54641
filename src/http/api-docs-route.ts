/**
 * `GET /api/openapi.json` and `GET /api/asyncapi.json` (docs/contract.md §3): the contract in
 * machine-readable form, docs/openapi.yaml and docs/asyncapi.yaml as JSON with their shared
 * schemas bundled in. `npm run build` writes them into dist/public (scripts/api-docs.ts), so
 * the gateway needs no YAML parser; they are read once. Open like the dashboard: they hold
 * nothing a deployment configures.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Router } from '@koa/router';
import { defaultDistDir } from './static-route.js';

/** Route path → the built file under the dist directory. */
export const API_DOCUMENTS = {
  '/api/openapi.json': 'public/openapi.json',
  '/api/asyncapi.json': 'public/asyncapi.json',
} as const;

/** Mounts the two document routes; `distDir` holds the built files. */
export function mountApiDocsRoutes(router: Router, distDir: string = defaultDistDir()): void {
  for (const [path, file] of Object.entries(API_DOCUMENTS)) {
    let body: Buffer | undefined;
    router.get(path, async (ctx) => {
      if (body === undefined) {
        try {
          body = await readFile(join(distDir, file));
        } catch {
          ctx.status = 404;
          ctx.body = { error: 'not_built', message: `${file} is missing: run npm run build` };
          return;
        }
      }
      ctx.set('Content-Type', 'application/json; charset=utf-8');
      ctx.set('X-Content-Type-Options', 'nosniff');
      // As the other built files: a new build is picked up within a minute.
      ctx.set('Cache-Control', 'public, max-age=60');
      ctx.body = body;
    });
  }
}
