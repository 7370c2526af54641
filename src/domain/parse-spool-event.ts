/**
 * Turns one raw producer message into a SpoolEvent or a reject reason (docs/contract.md §1).
 * Errors are values: nothing here throws on bad input.
 */
import { Ajv } from 'ajv';
import { findDuplicateKey } from './json-text.js';
import type { ParseResult, RejectReason, SpoolEvent } from './spool-event.js';

/** One reason an input is rejected, with a sentence naming the field (safe for logs and 400s). */
export interface SpoolEventProblem {
  reason: RejectReason;
  detail: string;
}

/**
 * Deepest accepted nesting of objects and arrays (the event object itself is level 1).
 * JSON.parse copes with any depth, but JSON.stringify recurses and overflows the stack at a
 * few thousand levels, so deeper events could never be sent; a 64 KiB payload can reach
 * 32,768 levels.
 */
export const MAX_NESTING_DEPTH = 64;

/** Keys that reach Object.prototype when a consumer merges the event into another object. */
const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);
/** The reserved key spoolcast adds to every outgoing event (docs/contract.md §2). */
const RESERVED_KEY = 'spoolcast';

/** The documented fields in order; problems are reported in this order. */
const FIELD_ORDER = ['event_type', 'tag_spool', 'worker_nombre', 'estado_detalle', 'timestamp'];

/**
 * The documented fields' rules (docs/contract.md §1.1); test/contract keeps them equal to
 * `ProducerFields` in docs/schemas/wire.json.
 */
export const SPOOL_EVENT_FIELDS_SCHEMA = {
  type: 'object',
  required: ['event_type', 'tag_spool'],
  properties: {
    event_type: { type: 'string', pattern: '^[A-Z][A-Z0-9_]{0,39}$' },
    // Lengths count code points (ajv's `unicode` default); no C0, DEL or C1 controls.
    tag_spool: {
      type: 'string',
      minLength: 1,
      maxLength: 64,
      pattern: '^[^\\u0000-\\u001F\\u007F-\\u009F]*$',
    },
    worker_nombre: { type: ['string', 'null'] },
    estado_detalle: { type: 'string' },
    timestamp: { type: 'string' },
  },
} as const;

// Compiled once per thread at module load; allErrors so a 400 can list every problem.
const validateFields = new Ajv({ allErrors: true, allowUnionTypes: true }).compile<SpoolEvent>(
  SPOOL_EVENT_FIELDS_SCHEMA,
);

const INVALID_VALUE_DETAILS: Readonly<Record<string, string>> = {
  event_type:
    'event_type must be an upper-case identifier (A-Z, 0-9 and _, starting with a letter, at most 40 characters)',
  tag_spool: 'tag_spool must be 1-64 printable characters with no control characters',
};

const WRONG_TYPE_DETAILS: Readonly<Record<string, string>> = {
  worker_nombre: 'worker_nombre must be a string or null',
};

/** Parses and validates one raw message; on failure reports the first of its problems. */
export function parseSpoolEvent(raw: string, maxEventBytes: number): ParseResult {
  const inspection = inspect(raw, maxEventBytes, false);
  const problem = inspection.problems[0];
  if (problem !== undefined) return { ok: false, reason: problem.reason, detail: problem.detail };
  return { ok: true, event: inspection.event as SpoolEvent };
}

/**
 * Every problem with one raw message, for HTTP 400 bodies; empty when it is valid. The first
 * entry is the one parseSpoolEvent reports. Size, JSON and object-ness failures stand alone.
 */
export function listSpoolEventProblems(raw: string, maxEventBytes: number): SpoolEventProblem[] {
  return inspect(raw, maxEventBytes, true).problems;
}

interface Inspection {
  problems: SpoolEventProblem[];
  event: SpoolEvent | undefined;
}

function inspect(raw: string, maxEventBytes: number, isListingAll: boolean): Inspection {
  // Before JSON.parse, so an oversized message costs no parse.
  if (Buffer.byteLength(raw, 'utf8') > maxEventBytes) {
    return fail('too_large', `event is larger than ${maxEventBytes} bytes`);
  }
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return fail('not_json', 'event is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail('not_object', 'event must be a JSON object');
  }
  // JSON.parse kept the last of two equal keys; a consumer whose parser keeps the first
  // would see another event than the one validated here, so the message is refused whole.
  // The key is producer text: it is not echoed.
  if (findDuplicateKey(raw) !== null) {
    return fail('duplicate_key', 'event has a key that appears twice in one object');
  }
  // Text decoded from UTF-8 cannot hold a lone surrogate; only a `\u` escape can make one
  // (or a caller's string that never was UTF-8), so the per-string check is usually skipped.
  const mayHaveLoneSurrogate = raw.includes('\\u') || !raw.isWellFormed();
  const problems = findKeyProblems(value, isListingAll, mayHaveLoneSurrogate);
  if (problems.length > 0 && !isListingAll) return { problems, event: undefined };
  if (Object.hasOwn(value, RESERVED_KEY)) {
    problems.push({ reason: 'reserved_key', detail: `${RESERVED_KEY} is a reserved key` });
    if (!isListingAll) return { problems, event: undefined };
  }
  if (validateFields(value)) {
    return { problems, event: problems.length === 0 ? value : undefined };
  }
  problems.push(...fieldProblems(isListingAll));
  return { problems, event: undefined };
}

function fail(reason: RejectReason, detail: string): Inspection {
  return { problems: [{ reason, detail }], event: undefined };
}

/**
 * Forbidden keys at any depth and nesting beyond MAX_NESTING_DEPTH. Walks own keys with an
 * explicit stack: JSON.parse creates `__proto__` as an own property, and a recursive walk
 * could overflow on a deeply nested payload.
 */
function findKeyProblems(
  root: object,
  isListingAll: boolean,
  isCheckingUnicode: boolean,
): SpoolEventProblem[] {
  const problems: SpoolEventProblem[] = [];
  let isTooDeep = false;
  let hasLoneSurrogate = false;
  const checkText = (text: string) => {
    if (isCheckingUnicode && !hasLoneSurrogate && !text.isWellFormed()) hasLoneSurrogate = true;
  };
  const stack: Array<{ node: object; depth: number }> = [{ node: root, depth: 1 }];
  walk: for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const { node, depth } = item;
    if (depth > MAX_NESTING_DEPTH) {
      // Nothing below is looked at: the event is rejected whatever it holds.
      isTooDeep = true;
      continue;
    }
    if (Array.isArray(node)) {
      for (const child of node) {
        if (typeof child === 'string') checkText(child);
        else pushIfNested(stack, child, depth + 1);
      }
      continue;
    }
    const record = node as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      checkText(key);
      if (FORBIDDEN_KEYS.has(key)) {
        // One of three fixed words, never producer text, so it is safe to echo.
        problems.push({
          reason: 'forbidden_key',
          detail: `key "${key}" is not allowed at any depth`,
        });
        if (!isListingAll) return problems;
        break walk;
      }
      const child = record[key];
      if (typeof child === 'string') checkText(child);
      else pushIfNested(stack, child, depth + 1);
    }
  }
  if (hasLoneSurrogate) {
    // Such a string has no UTF-8 form: Redis's JSON decoder, other consumers and the wire
    // would each read it differently (docs/contract.md §1).
    problems.push({
      reason: 'invalid_unicode',
      detail: 'event has a string with a lone surrogate escape (not well-formed Unicode)',
    });
  }
  if (isTooDeep) {
    problems.push({
      reason: 'invalid_value',
      detail: `event is nested deeper than ${MAX_NESTING_DEPTH} levels`,
    });
  }
  return problems;
}

function pushIfNested(
  stack: Array<{ node: object; depth: number }>,
  value: unknown,
  depth: number,
): void {
  if (typeof value === 'object' && value !== null) stack.push({ node: value, depth });
}

/** Maps ajv's errors to one problem per field, in FIELD_ORDER. */
function fieldProblems(isListingAll: boolean): SpoolEventProblem[] {
  const byField = new Map<string, SpoolEventProblem>();
  for (const error of validateFields.errors ?? []) {
    const field =
      error.keyword === 'required'
        ? String(error.params.missingProperty)
        : error.instancePath.slice(1);
    if (byField.has(field)) continue;
    byField.set(field, toProblem(error.keyword, field));
  }
  const problems = FIELD_ORDER.flatMap((field) => byField.get(field) ?? []);
  return isListingAll ? problems : problems.slice(0, 1);
}

function toProblem(keyword: string, field: string): SpoolEventProblem {
  if (keyword === 'required') return { reason: 'missing_field', detail: `${field} is required` };
  if (keyword === 'type') {
    const detail = WRONG_TYPE_DETAILS[field] ?? `${field} must be a string`;
    return { reason: 'wrong_type', detail };
  }
  const detail = INVALID_VALUE_DETAILS[field] ?? `${field} has an invalid value`;
  return { reason: 'invalid_value', detail };
}
