/**
 * The filter parser and matcher against a plain reference written here: OR within one
 * parameter, AND across parameters, the token's restriction on top; unknown parameters,
 * empty values and too many terms refused by name.
 */
import test from 'ava';
import fc from 'fast-check';
import type { EventMeta } from '../../src/domain/event-meta.js';
import {
  compileFilter,
  FILTER_PARAMS,
  type FilterRestriction,
  type FilterSpec,
  MAX_FILTER_TERMS,
  parseFilterQuery,
} from '../../src/domain/stream-filter.js';

const TAGS = ['PL1-001', 'PL1-002', 'PL2-001', 'X'];
const meta: fc.Arbitrary<EventMeta> = fc.record({
  tag: fc.constantFrom(...TAGS),
  type: fc.constantFrom('TOMAR', 'PAUSAR', 'COMPLETAR'),
  operation: fc.constantFrom('ARM', 'SOLD', null),
  workerId: fc.constantFrom(93, 7, null),
  workerName: fc.constantFrom('MR(93)', 'JP(7)', 'raro', null),
});
const terms = (values: string[]) => fc.uniqueArray(fc.constantFrom(...values), { maxLength: 3 });
const spec: fc.Arbitrary<FilterSpec> = fc.record({
  tag: terms(TAGS),
  tag_prefix: terms(['PL1-', 'PL2-', 'P']),
  event_type: terms(['TOMAR', 'PAUSAR']),
  operation: terms(['ARM', 'SOLD']),
  worker: terms(['93', '7', 'MR(93)', 'raro']),
});
const restriction: fc.Arbitrary<FilterRestriction | null> = fc.option(
  fc.record({
    operations: fc.option(terms(['ARM', 'SOLD'])),
    tagPrefixes: fc.option(terms(['PL1-', 'PL2-'])),
  }),
);

/** The rule in words: every asked parameter has a term that fits, and the token allows it. */
function reference(f: FilterSpec, r: FilterRestriction | null, m: EventMeta): boolean {
  const any = (list: readonly string[], fits: (v: string) => boolean) =>
    list.length === 0 || list.some(fits);
  return (
    any(f.tag, (v) => v === m.tag) &&
    any(f.tag_prefix, (v) => m.tag.startsWith(v)) &&
    any(f.event_type, (v) => v === m.type) &&
    any(f.operation, (v) => v === m.operation) &&
    any(f.worker, (v) => v === String(m.workerId) || v === m.workerName) &&
    (r?.operations == null || r.operations.some((v) => v === m.operation)) &&
    (r?.tagPrefixes == null || r.tagPrefixes.some((v) => m.tag.startsWith(v)))
  );
}

test('the compiled filter selects exactly what the reference selects', (t) => {
  fc.assert(
    fc.property(spec, restriction, fc.array(meta, { maxLength: 20 }), (f, r, metas) => {
      const filter = compileFilter(f, r);
      for (const m of metas) {
        if (filter.matches(m) !== reference(f, r, m)) return false;
      }
      return true;
    }),
    { seed: 1206, numRuns: 2000 },
  );
  t.pass();
});

test('equal selections get equal keys, whatever the order or repeats of their terms', (t) => {
  fc.assert(
    fc.property(spec, restriction, (f, r) => {
      const shuffled = Object.fromEntries(
        FILTER_PARAMS.map((p) => [p, [...f[p]].reverse().concat(f[p])]),
      ) as unknown as FilterSpec;
      return compileFilter(f, r).key === compileFilter(shuffled, r).key;
    }),
    { seed: 1206, numRuns: 500 },
  );
  t.is(
    compileFilter({ tag: [], tag_prefix: [], event_type: [], operation: [], worker: [] }, null).key,
    '',
  );
});

test('the parser groups repeated parameters and names what it refuses', (t) => {
  fc.assert(
    fc.property(spec, (f) => {
      const query = Object.fromEntries(
        FILTER_PARAMS.filter((p) => f[p].length > 0).map((p) => [p, [...f[p]]]),
      );
      const parsed = parseFilterQuery(query, ['snapshot']);
      return parsed.ok && FILTER_PARAMS.every((p) => parsed.spec[p].join() === f[p].join());
    }),
    { seed: 1206, numRuns: 500 },
  );
  t.like(parseFilterQuery({ colour: 'red' }, []), { ok: false, problem: { param: 'colour' } });
  t.like(parseFilterQuery({ tag: '' }, []), { ok: false, problem: { param: 'tag' } });
  t.like(parseFilterQuery({ snapshot: '1', tag: 'A' }, ['snapshot']), { ok: true });
  const many = Array.from({ length: MAX_FILTER_TERMS + 1 }, (_, n) => `T-${n}`);
  t.like(parseFilterQuery({ tag: many }, []), { ok: false, problem: { param: 'tag' } });
  t.like(parseFilterQuery({ tag: many.slice(1) }, []), { ok: true });
});

test('an empty restriction list lets nothing through; a row is selected by its tag, operation and worker', (t) => {
  const none = compileFilter(
    { tag: [], tag_prefix: [], event_type: [], operation: [], worker: [] },
    { operations: [], tagPrefixes: null },
  );
  t.false(
    none.matches({ tag: 'A', type: 'TOMAR', operation: 'ARM', workerId: null, workerName: null }),
  );
  const byType = compileFilter(
    { tag: [], tag_prefix: ['PL1-'], event_type: ['TOMAR'], operation: [], worker: ['93'] },
    null,
  );
  const row = (tag: string, id: number | null) => ({
    tag_spool: tag,
    operation: 'ARM',
    worker_nombre: null,
    worker: id === null ? null : { id },
  });
  t.true(byType.matchesRow(row('PL1-1', 93)), 'event_type selects events, not rows');
  t.false(byType.matchesRow(row('PL1-1', 7)));
  t.false(byType.matchesRow(row('PL2-1', 93)));
});
