/**
 * Real proxies in front of gateways: Debian's nginx (configured as ingress-nginx renders a
 * location, from the overlay's annotations) and haproxy, each the test's own foreground
 * process with a generated config, pid and temp files in a temp dir, on a free port.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ExecutionContext } from 'ava';
import { findBinary, runChecked, spawnDaemon, tempDir, waitForPort } from './daemon.js';
import { getFreePort } from './free-port.js';

type Teardown = Pick<ExecutionContext, 'teardown'>;

/** The nginx directives an ingress-nginx location gets from its annotations and defaults. */
export interface NginxLocation {
  proxyBuffering: 'on' | 'off';
  proxyRequestBuffering: 'on' | 'off';
  proxyReadTimeoutS: number;
  proxySendTimeoutS: number;
  proxyHttpVersion: string;
}

/** ingress-nginx's documented defaults (ConfigMap: proxy-buffering off, timeouts 60 s, HTTP/1.1). */
export const INGRESS_NGINX_DEFAULTS: NginxLocation = {
  proxyBuffering: 'off',
  proxyRequestBuffering: 'on',
  proxyReadTimeoutS: 60,
  proxySendTimeoutS: 60,
  proxyHttpVersion: '1.1',
};

/** Applies `nginx.ingress.kubernetes.io/*` annotations over the defaults, as the controller does. */
export function locationFromAnnotations(annotations: Record<string, string>): NginxLocation {
  const a = (name: string) => annotations[`nginx.ingress.kubernetes.io/${name}`];
  const onOff = (value: string | undefined, fallback: 'on' | 'off') =>
    value === undefined ? fallback : value === 'on' ? 'on' : 'off';
  return {
    proxyBuffering: onOff(a('proxy-buffering'), INGRESS_NGINX_DEFAULTS.proxyBuffering),
    proxyRequestBuffering: onOff(
      a('proxy-request-buffering'),
      INGRESS_NGINX_DEFAULTS.proxyRequestBuffering,
    ),
    proxyReadTimeoutS: Number(a('proxy-read-timeout') ?? INGRESS_NGINX_DEFAULTS.proxyReadTimeoutS),
    proxySendTimeoutS: Number(a('proxy-send-timeout') ?? INGRESS_NGINX_DEFAULTS.proxySendTimeoutS),
    proxyHttpVersion: a('proxy-http-version') ?? INGRESS_NGINX_DEFAULTS.proxyHttpVersion,
  };
}

/** Starts nginx on a free port proxying to `upstreams` (host:port); resolves its base URL. */
export async function startNginx(
  t: Teardown,
  upstreams: string[],
  location: NginxLocation,
): Promise<string> {
  const bin = findBinary('nginx');
  const dir = tempDir(t, 'nginx');
  const port = await getFreePort();
  const conf = path.join(dir, 'nginx.conf');
  // The shape of ingress-nginx's template for one location: upstream keepalive (320
  // connections, 60 s), HTTP/1.1 with the Connection header cleared, gzip off (use-gzip
  // false), client keepalive 75 s; then the annotation-driven directives.
  fs.writeFileSync(
    conf,
    `${nginxPreamble(dir)}
  keepalive_timeout 75s;
  gzip off;
  upstream spoolcast {
${upstreams.map((u) => `    server ${u};`).join('\n')}
    keepalive 320;
    keepalive_timeout 60s;
    keepalive_time 1h;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://spoolcast;
      proxy_http_version ${location.proxyHttpVersion};
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_buffering ${location.proxyBuffering};
      proxy_request_buffering ${location.proxyRequestBuffering};
      proxy_buffer_size 4k;
      proxy_buffers 4 4k;
      proxy_read_timeout ${location.proxyReadTimeoutS}s;
      proxy_send_timeout ${location.proxySendTimeoutS}s;
      proxy_connect_timeout 5s;
    }
  }
}
`,
  );
  const args = ['-p', dir, '-e', path.join(dir, 'error.log'), '-c', conf];
  runChecked(bin, ['-t', ...args]);
  const daemon = spawnDaemon(t, bin, args, dir);
  await waitForPort(daemon, port, 'nginx');
  return `http://127.0.0.1:${port}`;
}

/** Starts haproxy in HTTP mode on a free port with `timeout server`/`client` of `timeoutS`. */
export async function startHaproxy(
  t: Teardown,
  servers: string[],
  timeoutS: number,
): Promise<string> {
  const bin = findBinary('haproxy');
  const dir = tempDir(t, 'haproxy');
  const port = await getFreePort();
  const conf = path.join(dir, 'haproxy.cfg');
  fs.writeFileSync(
    conf,
    `global
  pidfile ${dir}/haproxy.pid
defaults
  mode http
  timeout connect 5s
  timeout client ${timeoutS}s
  timeout server ${timeoutS}s
  timeout http-keep-alive ${timeoutS}s
frontend spoolcast
  bind 127.0.0.1:${port}
  default_backend gateways
backend gateways
  balance roundrobin
${servers.map((s, i) => `  server g${i} ${s}`).join('\n')}
`,
  );
  runChecked(bin, ['-c', '-f', conf]);
  const daemon = spawnDaemon(t, bin, ['-db', '-f', conf], dir);
  await waitForPort(daemon, port, 'haproxy');
  return `http://127.0.0.1:${port}`;
}

/**
 * The start of an nginx.conf for a test nginx in `dir`: one process in the foreground,
 * every file under `dir`, no access log; ends inside the `http` block.
 */
export function nginxPreamble(dir: string): string {
  return `daemon off;
master_process off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;`;
}
