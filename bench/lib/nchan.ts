/**
 * The nchan peer: Debian's nginx with libnginx-mod-nchan, found (or installed with apt when
 * root), configured from bench/nchan.conf.template with a free port and a temp dir, and run
 * as one non-daemon nginx process (`master_process off`: the pid the bench starts is the one
 * serving, so its CPU and RSS are what the meters read and `setpriv --pdeathsig KILL`
 * reaches it) pinned like the service.
 *
 * nchan does not subscribe to an arbitrary Redis channel: its documented input is an HTTP
 * POST to an `nchan_publisher` location. The generator therefore publishes to it directly
 * (`/api/events`, one keep-alive connection, requests pipelined in order), the same shape as
 * spoolcast's POST path; nchan stores each message in Redis (distributed mode) and fans it out
 * from its own Redis subscription.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { aptInstall, findOnPath } from '../../support/system-packages.js';
import { freePort, type Proc, type Procs, waitForHttp200 } from './procs.js';

const TEMPLATE = fileURLToPath(new URL('../nchan.conf.template', import.meta.url));
/** Where Debian's libnginx-mod-nchan puts the module. */
const MODULE_CANDIDATES = [
  '/usr/lib/nginx/modules/ngx_nchan_module.so',
  '/usr/share/nginx/modules/ngx_nchan_module.so',
];
/** The one-line instruction when nginx or the module is missing and cannot be installed. */
export const NCHAN_NOT_FOUND_MESSAGE =
  'nginx with nchan not found: install them (apt-get install -y nginx libnginx-mod-nchan), or run the bench with --skip-nchan';

/** The nginx binary and the nchan module file. */
export interface NchanInstall {
  nginx: string;
  modulePath: string;
}

function findInstall(): NchanInstall | null {
  const nginx =
    findOnPath('nginx') ?? (fs.existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : null);
  const modulePath = MODULE_CANDIDATES.find((p) => fs.existsSync(p));
  return nginx && modulePath ? { nginx, modulePath } : null;
}

/** nginx and the nchan module: found, else installed with apt when root, else an error. */
export async function findOrInstallNchan(say: (text: string) => void): Promise<NchanInstall> {
  const found = findInstall();
  if (found) return found;
  if (process.getuid?.() !== 0 || findOnPath('apt-get') === undefined) {
    throw new Error(NCHAN_NOT_FOUND_MESSAGE);
  }
  say('nginx/nchan not found: installing nginx and libnginx-mod-nchan with apt-get');
  await aptInstall(
    ['nginx', 'libnginx-mod-nchan'],
    NCHAN_NOT_FOUND_MESSAGE,
    () => findInstall() !== null,
  );
  const installed = findInstall();
  if (!installed)
    throw new Error(
      `apt-get finished but nginx/nchan are still missing; ${NCHAN_NOT_FOUND_MESSAGE}`,
    );
  return installed;
}

/** The nginx version and the nchan module's package version, for the report. */
export function nchanVersions(install: NchanInstall): { nginx: string; nchan: string } {
  const nginx = spawnSync(install.nginx, ['-v'], { encoding: 'utf8' });
  const dpkg = spawnSync('dpkg-query', ['-W', `-f=\${Version}`, 'libnginx-mod-nchan'], {
    encoding: 'utf8',
  });
  return {
    nginx: (nginx.stderr || nginx.stdout || '').trim().replace(/^nginx version: /, ''),
    nchan: dpkg.status === 0 ? dpkg.stdout.trim() : 'unknown',
  };
}

/** Fills the template's `{{NAME}}` placeholders; throws on one left unfilled. */
export function renderNchanConfig(template: string, values: Record<string, string>): string {
  const text = template.replace(/\{\{([A-Z_]+)\}\}/g, (whole, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`nchan.conf.template: no value for ${whole}`);
    return value;
  });
  return text;
}

/** A running nchan peer. */
export interface NchanPeer {
  proc: Proc;
  url: string;
  dir: string;
}

/**
 * Renders the config into a fresh temp dir and starts nginx there, pinned to `core`;
 * resolves once it answers `/healthz`, choosing a new port when the chosen one was taken.
 * `historyLength` is nchan's message buffer per channel. The temp dir is removed on failure.
 */
export async function startNchan(
  procs: Procs,
  install: NchanInstall,
  core: number,
  redisUrl: string,
  historyLength: number,
): Promise<NchanPeer> {
  const template = fs.readFileSync(TEMPLATE, 'utf8');
  for (let attempt = 1; ; attempt++) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spoolcast-bench-nchan-'));
    const log = path.join(dir, 'error.log');
    let proc: Proc | null = null;
    try {
      const isRoot = process.getuid?.() === 0;
      if (isRoot) fs.chmodSync(dir, 0o755);
      const port = await freePort();
      const config = renderNchanConfig(template, {
        MODULE_PATH: install.modulePath,
        // nginx refuses `user` when not root; as root it would otherwise switch to `nobody`.
        USER_LINE: isRoot ? 'user root;' : '',
        TEMP_DIR: dir,
        PORT: String(port),
        REDIS_URL: redisUrl,
        HISTORY: String(historyLength),
      });
      const configFile = path.join(dir, 'nginx.conf');
      fs.writeFileSync(configFile, config);
      proc = procs.spawn('nchan', core, install.nginx, [
        '-c',
        configFile,
        '-p',
        `${dir}/`,
        '-e',
        log,
      ]);
      const url = `http://127.0.0.1:${port}`;
      await waitForHttp200(`${url}/healthz`, proc, 15_000);
      return { proc, url, dir };
    } catch (error) {
      if (proc) await procs.stop(proc, 2000);
      const tail = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').slice(-2000) : '';
      fs.rmSync(dir, { recursive: true, force: true });
      if (attempt < 3 && /address already in use/i.test(tail)) continue;
      throw new Error(`${(error as Error).message}\nnginx error.log:\n${tail}`);
    }
  }
}
