/**
 * Debian's nginx as the proxies some plant networks put between screens and the gateway
 * (issue 16): one that buffers `text/event-stream` whatever spoolcast asks (buffering on,
 * `X-Accel-Buffering` ignored, buffers that hold many frames), the same gzipping the stream,
 * and one that streams, for a path that gets fixed. Complete answers (the dashboard, JSON,
 * long-poll, HEAD) pass all three. A port may be given, so a test can replace the proxy in
 * front of a screen with another on the same address.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ExecutionContext } from 'ava';
import { findBinary, runChecked, spawnDaemon, tempDir, waitForPort } from './daemon.js';
import { getFreePort } from './free-port.js';
import { nginxPreamble } from './proxies.js';

type Teardown = Pick<ExecutionContext, 'teardown'>;

/** What the proxy does with the stream. */
export type ProxyBehaviour = 'buffering' | 'gzip' | 'streaming';

/** A running proxy: its base URL, its port, and a stop that frees the port. */
export interface RunningProxy {
  url: string;
  port: number;
  stop(): Promise<void>;
}

const LOCATIONS: Record<ProxyBehaviour, string> = {
  // 16 × 64 KiB: a few hundred bytes of frames never fill a buffer, and nginx sends the
  // response headers only with the first body bytes it passes on.
  buffering: `proxy_buffering on;
      proxy_ignore_headers X-Accel-Buffering;
      proxy_buffer_size 64k;
      proxy_buffers 16 64k;
      proxy_busy_buffers_size 128k;`,
  gzip: `proxy_buffering on;
      proxy_ignore_headers X-Accel-Buffering;
      proxy_buffer_size 64k;
      proxy_buffers 16 64k;
      proxy_busy_buffers_size 128k;
      gzip on;
      gzip_types text/event-stream application/json;
      gzip_min_length 1;`,
  streaming: 'proxy_buffering off;',
};

/** Starts nginx with `behaviour` in front of `upstream` (host:port), on `port` or a free one. */
export async function startNginxAs(
  t: Teardown,
  behaviour: ProxyBehaviour,
  upstream: string,
  port?: number,
): Promise<RunningProxy> {
  const bin = findBinary('nginx');
  const dir = tempDir(t, `nginx-${behaviour}`);
  const listen = port ?? (await getFreePort());
  const conf = path.join(dir, 'nginx.conf');
  fs.writeFileSync(
    conf,
    `${nginxPreamble(dir)}
  upstream spoolcast {
    server ${upstream};
    keepalive 16;
  }
  server {
    listen 127.0.0.1:${listen};
    location / {
      proxy_pass http://spoolcast;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_read_timeout 3600s;
      ${LOCATIONS[behaviour]}
    }
  }
}
`,
  );
  const args = ['-p', dir, '-e', path.join(dir, 'error.log'), '-c', conf];
  runChecked(bin, ['-t', ...args]);
  const daemon = spawnDaemon(t, bin, args, dir);
  await waitForPort(daemon, listen, `nginx (${behaviour})`);
  return { url: `http://127.0.0.1:${listen}`, port: listen, stop: daemon.kill };
}
