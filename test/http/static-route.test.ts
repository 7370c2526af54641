import test from 'ava';
import { checkedFetch } from '../helpers/api-contract.js';
import { startGateway } from '../helpers/gateway.js';

test('the dashboard is served with a strict CSP and has no inline script or style', async (t) => {
  const gateway = await startGateway(t);
  const page = await checkedFetch(`${gateway.url}/`);
  t.is(page.status, 200);
  t.is(page.headers.get('content-type'), 'text/html; charset=utf-8');
  const csp = page.headers.get('content-security-policy') ?? '';
  t.regex(csp, /default-src 'self'/);
  t.notRegex(csp, /unsafe-inline|unsafe-eval|https?:/);
  const html = await page.text();
  t.notRegex(html, /<script(?![^>]*\bsrc=)[^>]*>/);
  t.notRegex(html, /\sstyle=|<style/);
  t.notRegex(html, /https?:\/\//);
  for (const path of ['/dashboard.js', '/dashboard.css']) {
    t.is((await checkedFetch(gateway.url + path)).status, 200, path);
  }
});

test('the browser client is served as an ES module', async (t) => {
  const gateway = await startGateway(t);
  const response = await checkedFetch(`${gateway.url}/client/spoolcast-client.js`);
  t.is(response.status, 200);
  t.is(response.headers.get('content-type'), 'text/javascript; charset=utf-8');
  const source = await response.text();
  t.regex(source, /export\s*\{[^}]*connectSpoolStream/);
  t.notRegex(source, /\bfrom\s*["'](?!\.)/); // no bare imports: no runtime dependencies
});
