/**
 * What one stream selects (pure): the filter a screen asks for in its query — `tag`,
 * `tag_prefix`, `event_type`, `operation`, `worker`, each repeatable (OR within one name,
 * AND across names) — intersected with what its token allows. Compiled once per stream;
 * streams with the same effective filter share one buffer per event in the fan-out (their
 * `key` is equal), so an event costs one match per distinct filter, not per client.
 */
import type { EventMeta } from './event-meta.js';

/** The filter parameters, in the order they are checked and keyed. */
export const FILTER_PARAMS = ['tag', 'tag_prefix', 'event_type', 'operation', 'worker'] as const;

/** One filter parameter. */
export type FilterParam = (typeof FILTER_PARAMS)[number];

/** The terms asked for, by parameter; an empty list does not narrow. */
export type FilterSpec = Readonly<Record<FilterParam, readonly string[]>>;

/** What a token narrows its holder to (auth/principal.ts `Restriction`). */
export interface FilterRestriction {
  operations: readonly string[] | null;
  tagPrefixes: readonly string[] | null;
}

/** The fields of a spool state row a filter can select on. */
export interface RowFacts {
  tag_spool: string;
  operation: string | null;
  worker_nombre: string | null;
  worker: { id: number } | null;
}

/** A compiled selection over event meta and snapshot rows. */
export interface StreamFilter {
  /** Equal for equal selections; `''` selects everything. */
  readonly key: string;
  matches(meta: EventMeta): boolean;
  /** Whether a snapshot row is shown (`event_type` selects events, not rows). */
  matchesRow(row: RowFacts): boolean;
}

/** The filter of a stream that asked for nothing in particular and may see everything. */
export const MATCH_ALL: StreamFilter = Object.freeze({
  key: '',
  matches: () => true,
  matchesRow: () => true,
});

/** Most filter terms in one request, over all parameters. */
export const MAX_FILTER_TERMS = 100;

/** A query parameter that cannot be taken, named for the 400. */
export interface FilterProblem {
  param: string;
  message: string;
}

/**
 * Reads the filter from a parsed query. `otherParams` are the route's own parameters
 * (allowed, not filters); anything else, an empty value, or more than MAX_FILTER_TERMS
 * terms is a problem naming the parameter.
 */
export function parseFilterQuery(
  query: Readonly<Record<string, string | string[] | undefined>>,
  otherParams: readonly string[],
): { ok: true; spec: FilterSpec } | { ok: false; problem: FilterProblem } {
  const spec: Record<FilterParam, string[]> = {
    tag: [],
    tag_prefix: [],
    event_type: [],
    operation: [],
    worker: [],
  };
  let terms = 0;
  for (const [param, raw] of Object.entries(query)) {
    const values = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
    const isFilter = (FILTER_PARAMS as readonly string[]).includes(param);
    if (!isFilter && !otherParams.includes(param)) {
      return fail(param, `unknown query parameter "${param}"`);
    }
    if (values.some((v) => v === '')) return fail(param, `"${param}" must not be empty`);
    if (!isFilter) continue;
    terms += values.length;
    if (terms > MAX_FILTER_TERMS) {
      return fail(param, `at most ${MAX_FILTER_TERMS} filter terms in one request`);
    }
    spec[param as FilterParam].push(...values);
  }
  return { ok: true, spec };
}

function fail(param: string, message: string): { ok: false; problem: FilterProblem } {
  return { ok: false, problem: { param, message } };
}

/** Compiles the filter a stream runs: `spec` and `restriction` must both select. */
export function compileFilter(
  spec: FilterSpec,
  restriction: FilterRestriction | null,
): StreamFilter {
  const set = (values: readonly string[] | null | undefined) =>
    values && values.length > 0 ? new Set(values) : null;
  const tags = set(spec.tag);
  const prefixes = spec.tag_prefix.length > 0 ? [...new Set(spec.tag_prefix)] : null;
  const types = set(spec.event_type);
  const operations = set(spec.operation);
  const workerIds = set(spec.worker.filter((w) => /^\d{1,9}$/.test(w)));
  const workerNames = set(spec.worker);
  const hasWorker = spec.worker.length > 0;
  // The token's lists: null does not narrow; an empty list lets nothing through.
  const allowedOperations = restriction?.operations ? new Set(restriction.operations) : null;
  const allowedPrefixes = restriction?.tagPrefixes ?? null;

  const tagMatches = (tag: string) =>
    (tags === null || tags.has(tag)) &&
    (prefixes === null || prefixes.some((p) => tag.startsWith(p))) &&
    (allowedPrefixes === null || allowedPrefixes.some((p) => tag.startsWith(p)));
  const operationMatches = (operation: string | null) =>
    (operations === null || (operation !== null && operations.has(operation))) &&
    (allowedOperations === null || (operation !== null && allowedOperations.has(operation)));
  const workerMatches = (id: number | null, name: string | null) =>
    !hasWorker ||
    (id !== null && workerIds?.has(String(id)) === true) ||
    (name !== null && workerNames?.has(name) === true);

  const key = filterKey(spec, restriction);
  if (key === '') return MATCH_ALL;
  return {
    key,
    matches: (meta) =>
      (types === null || types.has(meta.type)) &&
      tagMatches(meta.tag) &&
      operationMatches(meta.operation) &&
      workerMatches(meta.workerId, meta.workerName),
    matchesRow: (row) =>
      tagMatches(row.tag_spool) &&
      operationMatches(row.operation) &&
      workerMatches(row.worker?.id ?? null, row.worker_nombre),
  };
}

/** A canonical text for the effective selection: equal selections, equal keys. */
function filterKey(spec: FilterSpec, restriction: FilterRestriction | null): string {
  const parts: string[] = [];
  for (const param of FILTER_PARAMS) {
    const values = [...new Set(spec[param])].sort();
    if (values.length > 0) parts.push(`${param}=${JSON.stringify(values)}`);
  }
  if (restriction?.operations) {
    parts.push(`allow_operations=${JSON.stringify([...new Set(restriction.operations)].sort())}`);
  }
  if (restriction?.tagPrefixes) {
    parts.push(
      `allow_tag_prefixes=${JSON.stringify([...new Set(restriction.tagPrefixes)].sort())}`,
    );
  }
  return parts.join('&');
}
