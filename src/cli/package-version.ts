/** The installed package's version, for `spoolcast --version`. */
import { readFileSync } from 'node:fs';

/**
 * The version in the nearest package.json named `spoolcast` above this module (dist/src/cli
 * when built, src/cli under tsx), or `unknown`.
 */
export function packageVersion(): string {
  for (let url = new URL('./', import.meta.url); url.pathname !== '/'; url = new URL('../', url)) {
    try {
      const manifest = JSON.parse(readFileSync(new URL('package.json', url), 'utf8')) as {
        name?: unknown;
        version?: unknown;
      };
      if (manifest.name === 'spoolcast' && typeof manifest.version === 'string')
        return manifest.version;
    } catch {
      // no package.json here: look one folder up
    }
  }
  return 'unknown';
}
