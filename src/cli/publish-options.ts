/**
 * `spoolcast publish` arguments → what to send and where, as pure functions: the event is
 * built as the Python backend builds it (event_type, tag_spool, worker_nombre,
 * estado_detalle, timestamp in plant time, then the extra fields, flat).
 */
import { formatPlantTimestamp, isValidTimeZone } from '../domain/plant-time.js';
import { resolveToken } from './auth-headers.js';
import { gatewayUrl } from './gateway-url.js';
import { parseCommandLine, UsageError } from './usage-error.js';

/** The Redis `--redis` names when it is not given and REDIS_URL is unset. */
export const DEFAULT_REDIS_URL = 'redis://localhost:6379';
/** The producers' channel (SPOOLS_CHANNEL's default). */
export const DEFAULT_CHANNEL = 'spools:updates';

/** Where and how one event goes. */
export type PublishTarget =
  | {
      kind: 'http';
      url: string;
      idempotencyKey: string;
      token: string | null;
      /** Extra attempts after a 503 or a network error (same key each time). */
      retries: number;
    }
  | { kind: 'plain'; redisUrl: string; channel: string };

/** A parsed `publish` command line: the event (or `stdin`) and the target. */
export interface PublishOptions {
  /** The event to send, or null to read one JSON object from stdin (`-`). */
  event: Record<string, unknown> | null;
  target: PublishTarget;
}

/** What the parser needs from outside: the environment, the clock and a key maker. */
export interface PublishDefaults {
  env: Readonly<Record<string, string | undefined>>;
  now: () => Date;
  newKey: () => string;
}

const EVENT_FLAGS = ['event-type', 'tag', 'worker', 'estado', 'field', 'timestamp'] as const;

/** Parses `publish` arguments (after the subcommand); throws UsageError on a bad line. */
export function parsePublishOptions(
  args: readonly string[],
  defaults: PublishDefaults,
): PublishOptions {
  const { values, positionals } = parseCommandLine({
    args: [...args],
    allowPositionals: true,
    options: {
      'event-type': { type: 'string' },
      tag: { type: 'string' },
      worker: { type: 'string' },
      estado: { type: 'string' },
      field: { type: 'string', multiple: true },
      timestamp: { type: 'string' },
      'time-zone': { type: 'string' },
      plain: { type: 'boolean', default: false },
      channel: { type: 'string' },
      redis: { type: 'string' },
      url: { type: 'string' },
      key: { type: 'string' },
      token: { type: 'string' },
      retries: { type: 'string' },
    },
  });
  const fromStdin = positionals.length === 1 && positionals[0] === '-';
  if (positionals.length > 0 && !fromStdin) {
    throw new UsageError(`unexpected argument "${positionals.join(' ')}" (use - to read stdin)`);
  }
  if (fromStdin) {
    const given = EVENT_FLAGS.filter((flag) => values[flag] !== undefined);
    if (given.length > 0) throw new UsageError(`- (stdin) cannot be combined with --${given[0]}`);
  }
  const event = fromStdin
    ? null
    : buildEvent({
        eventType: values['event-type'],
        tag: values.tag,
        worker: values.worker,
        estado: values.estado,
        timestamp:
          values.timestamp ??
          formatPlantTimestamp(
            defaults.now(),
            timeZoneOf(values['time-zone'] ?? defaults.env.PLANT_TIME_ZONE),
          ),
        fields: values.field ?? [],
      });
  if (values.plain) {
    for (const flag of ['url', 'key', 'token', 'retries'] as const) {
      if (values[flag] !== undefined) throw new UsageError(`--${flag} has no meaning with --plain`);
    }
    return {
      event,
      target: {
        kind: 'plain',
        redisUrl: values.redis ?? defaults.env.REDIS_URL ?? DEFAULT_REDIS_URL,
        channel: values.channel ?? DEFAULT_CHANNEL,
      },
    };
  }
  for (const flag of ['redis', 'channel'] as const) {
    if (values[flag] !== undefined) throw new UsageError(`--${flag} needs --plain`);
  }
  const key = values.key ?? defaults.newKey();
  if (key.trim() === '' || key.trim().length > 256) {
    throw new UsageError('--key must be 1 to 256 characters');
  }
  return {
    event,
    target: {
      kind: 'http',
      url: gatewayUrl(values.url),
      idempotencyKey: key.trim(),
      token: resolveToken(values.token, defaults.env),
      retries: retriesOf(values.retries),
    },
  };
}

/** The parts of an event given as flags. */
export interface EventParts {
  eventType: string | undefined;
  tag: string | undefined;
  worker: string | undefined;
  estado: string | undefined;
  timestamp: string;
  /** `key=value` (a string) or `key:=json` (any JSON value), in order. */
  fields: readonly string[];
}

/** The flat event in the Python backend's field order; throws UsageError for a missing or doubled field. */
export function buildEvent(parts: EventParts): Record<string, unknown> {
  if (parts.eventType === undefined)
    throw new UsageError('--event-type is required (or give - to read stdin)');
  if (parts.tag === undefined) throw new UsageError('--tag is required (or give - to read stdin)');
  const event: Record<string, unknown> = {
    event_type: parts.eventType,
    tag_spool: parts.tag,
    ...(parts.worker === undefined ? {} : { worker_nombre: parts.worker }),
    ...(parts.estado === undefined ? {} : { estado_detalle: parts.estado }),
    timestamp: parts.timestamp,
  };
  for (const field of parts.fields) {
    const [key, value] = parseField(field);
    if (Object.hasOwn(event, key)) {
      throw new UsageError(
        `--field ${key} is given twice (or repeats a field set by its own flag)`,
      );
    }
    event[key] = value;
  }
  return event;
}

/** `key=value` → [key, "value"]; `key:=json` → [key, parsed JSON]; throws UsageError otherwise. */
export function parseField(text: string): [string, unknown] {
  const match = /^([^=:]+)(:?=)(.*)$/s.exec(text);
  if (!match) throw new UsageError(`--field must be key=value or key:=json, got "${text}"`);
  const [, key = '', operator, raw = ''] = match;
  if (operator === '=') return [key, raw];
  try {
    return [key, JSON.parse(raw)];
  } catch {
    throw new UsageError(`--field ${key}:= needs a JSON value, got "${raw}"`);
  }
}

function timeZoneOf(raw: string | undefined): string {
  const zone = raw === undefined || raw.trim() === '' ? 'America/Santiago' : raw;
  if (!isValidTimeZone(zone)) throw new UsageError(`unknown time zone "${zone}"`);
  return zone;
}

function retriesOf(raw: string | undefined): number {
  if (raw === undefined) return 5;
  if (!/^\d{1,2}$/.test(raw))
    throw new UsageError(`--retries must be a whole number 0-99, got "${raw}"`);
  return Number(raw);
}
