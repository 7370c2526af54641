/**
 * Builds what browsers load (run by `npm run build` after tsc): the client module and the
 * React hook as ESM bundles in dist/client (the package's `spoolcast/client` and
 * `spoolcast/react`; the gateway serves the first at /client/spoolcast-client.js), and the
 * dashboard (HTML, CSS, one script) in dist/public. No CDN: everything is served locally.
 * Also the API documents the gateway serves, docs/openapi.yaml and docs/asyncapi.yaml as
 * JSON in dist/public (scripts/api-docs.ts), so the runtime parses no YAML.
 */
import { copyFile, mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { type BuildOptions, build } from 'esbuild';
import { writeApiDocuments } from './api-docs.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const common: BuildOptions = {
  bundle: true,
  format: 'esm',
  // Evergreen browsers on plant tablets and wall screens; Web Locks needs Chrome 69+ anyway.
  target: ['es2020', 'chrome90', 'firefox90', 'safari15'],
  platform: 'browser',
  sourcemap: true,
  legalComments: 'none',
  absWorkingDir: root,
  logLevel: 'warning',
};

await Promise.all([
  build({
    ...common,
    entryPoints: ['src/client/index.ts'],
    outfile: 'dist/client/spoolcast-client.js',
  }),
  build({
    ...common,
    entryPoints: ['src/client/react.ts'],
    outfile: 'dist/client/react.js',
    external: ['react'],
  }),
  build({
    ...common,
    entryPoints: ['src/dashboard/dashboard.ts'],
    outfile: 'dist/public/dashboard.js',
    minify: true,
  }),
]);
await mkdir(`${root}dist/public`, { recursive: true });
await Promise.all([
  ...['index.html', 'dashboard.css'].map((file) =>
    copyFile(`${root}src/dashboard/${file}`, `${root}dist/public/${file}`),
  ),
  writeApiDocuments(`${root}dist`),
]);
