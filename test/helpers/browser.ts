/**
 * Real Chromium for the browser tests (playwright-core driving the system's
 * /usr/bin/chromium, never a downloaded browser), test pages bundled with esbuild, and a
 * tiny static server: a second port is a second origin, for CORS and for pages that talk
 * to several gateways.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import anyTest, { type ExecutionContext, type TestFn } from 'ava';
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

/** What a browser test file's tests share: one Chromium, and its test page bundled. */
export interface BrowserContext {
  browser: Browser;
  /** The bundled page script ('' when the file has no page of its own). */
  script: string;
}

/**
 * The file's `test`, with one Chromium launched (and `pageFile`, a test page next to the
 * test, bundled) before its tests and closed after them.
 */
export function browserTest(pageFile?: URL): TestFn<BrowserContext> {
  const test = anyTest as TestFn<BrowserContext>;
  test.before(async (t) => {
    [t.context.browser, t.context.script] = await Promise.all([
      launchBrowser(),
      pageFile ? readFile(pageFile, 'utf8').then(bundleScript) : '',
    ]);
  });
  test.after.always(async (t) => {
    await t.context.browser?.close();
  });
  return test;
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
