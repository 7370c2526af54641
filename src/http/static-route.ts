/**
 * The browser side, served by the gateway itself so a plant network needs nothing else:
 * `GET /` (the dashboard), its script and style, `GET /client/spoolcast-client.js` (the
 * browser client as an ES module), and the API documents (`/api/openapi.json`,
 * `/api/asyncapi.json`). Files are built into dist/ by `npm run build`
 * (scripts/build-client.ts) and read once. The dashboard gets a strict CSP: no inline
 * script or style, nothing from another origin.
 */
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Router } from '@koa/router';

/** The machine-readable contract (contract §6), bundled as JSON by scripts/api-docs.ts. */
export const API_DOCUMENTS = {
  '/api/openapi.json': 'public/openapi.json',
  '/api/asyncapi.json': 'public/asyncapi.json',
} as const;

const JSON_TYPE = 'application/json; charset=utf-8';

/** Route path → file under the dist directory, with its content type. */
const FILES: Record<string, { file: string; type: string }> = {
  '/api/openapi.json': { file: API_DOCUMENTS['/api/openapi.json'], type: JSON_TYPE },
  '/api/asyncapi.json': { file: API_DOCUMENTS['/api/asyncapi.json'], type: JSON_TYPE },
  '/': { file: 'public/index.html', type: 'text/html; charset=utf-8' },
  '/dashboard.js': { file: 'public/dashboard.js', type: 'text/javascript; charset=utf-8' },
  '/dashboard.css': { file: 'public/dashboard.css', type: 'text/css; charset=utf-8' },
  '/client/spoolcast-client.js': {
    file: 'client/spoolcast-client.js',
    type: 'text/javascript; charset=utf-8',
  },
};

/** The dashboard's policy: its own origin only (the stream included), no inline code. */
export const DASHBOARD_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
  "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; object-src 'none'";

/** dist/ whether this file runs compiled (dist/src/http) or from source under tsx (src/http). */
export function defaultDistDir(): string {
  const up = fileURLToPath(new URL('../..', import.meta.url));
  return basename(up) === 'dist' ? up : join(up, 'dist');
}

/** Mounts the static routes; `distDir` holds the built files. */
export function mountStaticRoutes(router: Router, distDir: string = defaultDistDir()): void {
  const cache = new Map<string, Buffer>();
  for (const [path, { file, type }] of Object.entries(FILES)) {
    router.get(path, async (ctx) => {
      let body = cache.get(file);
      if (body === undefined) {
        try {
          body = await readFile(join(distDir, file));
        } catch {
          ctx.status = 404;
          ctx.body = { error: 'not_built', message: `${file} is missing: run npm run build` };
          return;
        }
        cache.set(file, body);
      }
      ctx.set('Content-Type', type);
      ctx.set('X-Content-Type-Options', 'nosniff');
      // Short cache: a new build is picked up within a minute; the page itself revalidates.
      ctx.set('Cache-Control', path === '/' ? 'no-cache' : 'public, max-age=60');
      if (path === '/') {
        ctx.set('Content-Security-Policy', DASHBOARD_CSP);
        ctx.set('Referrer-Policy', 'no-referrer');
      }
      ctx.body = body;
    });
  }
}
