/**
 * `spoolcast tail` arguments → the stream URL (filters and `snapshot=1` as query parameters),
 * the cursor, the output mode and the token. Pure.
 */
import { resolveToken } from './auth-headers.js';
import { gatewayUrl } from './gateway-url.js';
import { parseCommandLine, UsageError } from './usage-error.js';

/** Filter flags and the query parameter each becomes (docs/contract.md §3.2: repeat = OR, across = AND). */
export const FILTER_PARAMETERS = {
  tag: 'tag',
  'tag-prefix': 'tag_prefix',
  'event-type': 'event_type',
  operation: 'operation',
  worker: 'worker',
} as const;

/** A parsed `tail` command line. */
export interface TailOptions {
  /** The gateway base URL. */
  url: string;
  /** Filter parameters in the order given, e.g. [['tag_prefix', 'SP-'], ['operation', 'ARM']]. */
  filters: [string, string][];
  /** Start after this id (`--from`), sent as Last-Event-ID. */
  from: string | null;
  snapshot: boolean;
  json: boolean;
  /** Exit 0 after this many `spool_update` events; null = until stopped. */
  count: number | null;
  token: string | null;
  /** Send the token as this cookie instead of `Authorization: Bearer`. */
  cookieName: string | null;
}

/** Parses `tail` arguments (after the subcommand); throws UsageError on a bad line. */
export function parseTailOptions(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): TailOptions {
  const { values } = parseCommandLine({
    args: [...args],
    allowPositionals: false,
    options: {
      url: { type: 'string' },
      from: { type: 'string' },
      snapshot: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      count: { type: 'string' },
      token: { type: 'string' },
      'cookie-name': { type: 'string' },
      tag: { type: 'string', multiple: true },
      'tag-prefix': { type: 'string', multiple: true },
      'event-type': { type: 'string', multiple: true },
      operation: { type: 'string', multiple: true },
      worker: { type: 'string', multiple: true },
    },
  });
  const filters: [string, string][] = [];
  for (const [flag, parameter] of Object.entries(FILTER_PARAMETERS)) {
    for (const value of values[flag as keyof typeof FILTER_PARAMETERS] ?? []) {
      if (value.trim() === '') throw new UsageError(`--${flag} needs a value`);
      filters.push([parameter, value]);
    }
  }
  if (values.from !== undefined && values.from.trim() === '')
    throw new UsageError('--from needs an event id');
  const cookieName = values['cookie-name'] ?? null;
  if (cookieName !== null && !/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(cookieName)) {
    throw new UsageError(`--cookie-name must be a cookie name, got "${cookieName}"`);
  }
  return {
    url: gatewayUrl(values.url),
    filters,
    from: values.from?.trim() ?? null,
    snapshot: values.snapshot ?? false,
    json: values.json ?? false,
    count: countOf(values.count),
    token: resolveToken(values.token, env),
    cookieName,
  };
}

/**
 * The stream URL for one connection: the filters, and `snapshot=1` only while there is no
 * cursor (a cursor beats a snapshot, docs/contract.md §2.1).
 */
export function streamUrl(
  options: Pick<TailOptions, 'url' | 'filters' | 'snapshot'>,
  hasCursor: boolean,
): string {
  const query = new URLSearchParams(options.filters);
  if (options.snapshot && !hasCursor) query.append('snapshot', '1');
  const search = query.toString();
  return `${options.url}/api/sse/stream${search === '' ? '' : `?${search}`}`;
}

function countOf(raw: string | undefined): number | null {
  if (raw === undefined) return null;
  if (!/^\d+$/.test(raw) || Number(raw) < 1)
    throw new UsageError(`--count must be a whole number of at least 1, got "${raw}"`);
  return Number(raw);
}
