/** The `--url` option shared by the subcommands that talk to a gateway over HTTP. */
import { UsageError } from './usage-error.js';

/** The gateway `--url` names when it is not given. */
export const DEFAULT_GATEWAY_URL = 'http://localhost:8000';

/** The gateway base URL from `--url` (default http://localhost:8000), without a trailing slash. */
export function gatewayUrl(raw: string | undefined): string {
  const text = raw ?? DEFAULT_GATEWAY_URL;
  let url: URL | null = null;
  try {
    url = new URL(text);
  } catch {
    // reported below
  }
  if (url === null || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new UsageError(`--url must be an http(s) URL, got "${text}"`);
  }
  return url.href.replace(/\/+$/, '');
}
