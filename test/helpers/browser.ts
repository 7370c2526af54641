/**
 * Real Chromium for the browser tests (playwright-core driving the system's
 * /usr/bin/chromium, never a downloaded browser), test pages bundled with esbuild, and a
 * tiny static server: a second port is a second origin, for CORS and for pages that talk
 * to several gateways.
 */
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { ExecutionContext } from 'ava';
import { build } from 'esbuild';
import { type Browser, chromium, type Page } from 'playwright-core';
import { externalProcess } from './test-scope.js';
import { waitFor } from './wait.js';

type Teardown = Pick<ExecutionContext, 'teardown'>;

/** Where Debian's chromium package puts the browser (CI installs it with apt). */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Launches headless Chromium; fails loudly (never skips) when it is not installed. */
export async function launchBrowser(): Promise<Browser> {
  externalProcess('Chromium');
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `browser tests need Chromium at ${CHROMIUM_PATH}: apt-get install -y chromium (or set CHROMIUM_PATH)`,
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Bundles a test page script (TypeScript/TSX source text importing from src/) for the browser. */
export async function bundleScript(source: string): Promise<string> {
  const result = await build({
    stdin: { contents: source, loader: 'tsx', resolveDir: `${root}test/browser` },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2020',
    write: false,
    jsx: 'automatic',
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'silent',
  });
  return result.outputFiles[0]?.text ?? '';
}

/** Serves `script` as /page.js under an HTML page at `/` on a port of its own (its own origin). */
export async function servePage(t: Teardown, script: string): Promise<string> {
  const html =
    '<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,">' +
    '<script type="module" src="/page.js"></script></head><body><div id="root"></div></body></html>';
  const server = createServer((req, res) => {
    const isScript = req.url?.startsWith('/page.js');
    res.writeHead(200, {
      'Content-Type': isScript ? 'text/javascript' : 'text/html; charset=utf-8',
      'Cache-Control': 'no-store',
    });
    res.end(isScript ? script : html);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Waits until `predicate` (run in the page) is true, with a deadline and a message. */
export function waitInPage(
  page: Page,
  predicate: string,
  message: string,
  timeoutMs = 30_000,
): Promise<unknown> {
  return waitFor(async () => (await page.evaluate(predicate).catch(() => false)) as boolean, {
    timeoutMs,
    intervalMs: 25,
    message,
  });
}
