/**
 * The filter parser and matcher against a plain reference written here: OR within one
 * parameter, AND across parameters, the token's restriction on top; unknown parameters,
 * empty values and too many terms refused by name; and literal cases from docs/contract.md
 * §3.1–3.2, so the reference cannot drift along with the code it mirrors.
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

/** A filter spec with only the given parameters asked for. */
const ask = (terms: Partial<Record<keyof FilterSpec, string[]>>): FilterSpec => ({
  tag: [],
  tag_prefix: [],
  event_type: [],
  operation: [],
  worker: [],
  ...terms,
});
/** An event meta: MR(93) taking PL1-001 for ARM unless told otherwise. */
const event = (fields: Partial<EventMeta> = {}): EventMeta => ({
  tag: 'PL1-001',
  type: 'TOMAR',
  operation: 'ARM',
  workerId: 93,
  workerName: 'MR(93)',
  ...fields,
});

/** Literal cases of docs/contract.md §3.1 (restriction) and §3.2 (filters), not derived from code. */
const CASES: {
  name: string;
  spec: FilterSpec;
  restriction?: FilterRestriction | null;
  meta: EventMeta;
  selected: boolean;
}[] = [
  // operation null: an event without an enriched operation
  {
    name: 'no filter selects an event with no operation',
    spec: ask({}),
    meta: event({ operation: null }),
    selected: true,
  },
  {
    name: 'operation=ARM does not select an event with no operation',
    spec: ask({ operation: ['ARM'] }),
    meta: event({ operation: null }),
    selected: false,
  },
  {
    name: 'operation=ARM selects an ARM event',
    spec: ask({ operation: ['ARM'] }),
    meta: event(),
    selected: true,
  },
  {
    name: 'a token limited to ARM does not show an event with no operation',
    spec: ask({}),
    restriction: { operations: ['ARM'], tagPrefixes: null },
    meta: event({ operation: null }),
    selected: false,
  },
  // worker: the id in digits, or the whole worker_nombre
  {
    name: 'worker=93 selects MR(93) by id',
    spec: ask({ worker: ['93'] }),
    meta: event(),
    selected: true,
  },
  {
    name: 'worker=MR(93) selects MR(93) by whole name',
    spec: ask({ worker: ['MR(93)'] }),
    meta: event(),
    selected: true,
  },
  {
    name: 'worker=MR (initials only) selects nothing of MR(93)',
    spec: ask({ worker: ['MR'] }),
    meta: event(),
    selected: false,
  },
  {
    name: 'worker=(93) (part of the name) does not select MR(93)',
    spec: ask({ worker: ['(93)'] }),
    meta: event(),
    selected: false,
  },
  {
    name: 'worker=7 does not select MR(93)',
    spec: ask({ worker: ['7'] }),
    meta: event(),
    selected: false,
  },
  {
    name: 'worker=MR(93) does not select another name with the same id',
    spec: ask({ worker: ['MR(93)'] }),
    meta: event({ workerName: 'JP(93)' }),
    selected: false,
  },
  {
    name: 'worker=93 does not select an unsplittable name',
    spec: ask({ worker: ['93'] }),
    meta: event({ workerId: null, workerName: 'raro' }),
    selected: false,
  },
  {
    name: 'worker=raro selects the unsplittable name whole',
    spec: ask({ worker: ['raro'] }),
    meta: event({ workerId: null, workerName: 'raro' }),
    selected: true,
  },
  {
    name: 'worker=93 does not select an event with no worker',
    spec: ask({ worker: ['93'] }),
    meta: event({ workerId: null, workerName: null }),
    selected: false,
  },
  // restriction lists: null (missing) does not narrow, empty shows nothing
  {
    name: 'no restriction shows everything',
    spec: ask({}),
    restriction: null,
    meta: event(),
    selected: true,
  },
  {
    name: 'a restriction with both lists missing shows everything',
    spec: ask({}),
    restriction: { operations: null, tagPrefixes: null },
    meta: event(),
    selected: true,
  },
  {
    name: 'an empty operations list shows nothing',
    spec: ask({}),
    restriction: { operations: [], tagPrefixes: null },
    meta: event(),
    selected: false,
  },
  {
    name: 'an empty tag_prefixes list shows nothing',
    spec: ask({}),
    restriction: { operations: null, tagPrefixes: [] },
    meta: event(),
    selected: false,
  },
  {
    name: 'a listed operation and prefix show the event',
    spec: ask({}),
    restriction: { operations: ['ARM'], tagPrefixes: ['PL1-'] },
    meta: event(),
    selected: true,
  },
  {
    name: 'an unlisted operation hides the event',
    spec: ask({}),
    restriction: { operations: ['SOLD'], tagPrefixes: null },
    meta: event(),
    selected: false,
  },
  {
    name: 'an unlisted prefix hides the event',
    spec: ask({}),
    restriction: { operations: null, tagPrefixes: ['PL2-'] },
    meta: event(),
    selected: false,
  },
  // overlapping tag prefixes
  {
    name: 'tag_prefix PL1- or PL1-00 selects PL1-001',
    spec: ask({ tag_prefix: ['PL1-', 'PL1-00'] }),
    meta: event(),
    selected: true,
  },
  {
    name: 'tag_prefix PL1- or PL1-00 selects PL1-1 (by PL1-)',
    spec: ask({ tag_prefix: ['PL1-', 'PL1-00'] }),
    meta: event({ tag: 'PL1-1' }),
    selected: true,
  },
  {
    name: 'tag_prefix PL1- or PL1-00 does not select PL2-001',
    spec: ask({ tag_prefix: ['PL1-', 'PL1-00'] }),
    meta: event({ tag: 'PL2-001' }),
    selected: false,
  },
  {
    name: 'asked PL1-00 within a token for PL1- selects PL1-001',
    spec: ask({ tag_prefix: ['PL1-00'] }),
    restriction: { operations: null, tagPrefixes: ['PL1-'] },
    meta: event(),
    selected: true,
  },
  {
    name: 'asked PL1-00 within a token for PL1- does not select PL1-1',
    spec: ask({ tag_prefix: ['PL1-00'] }),
    restriction: { operations: null, tagPrefixes: ['PL1-'] },
    meta: event({ tag: 'PL1-1' }),
    selected: false,
  },
  {
    name: 'asked PL1- within a token for PL1-00 does not show PL1-1',
    spec: ask({ tag_prefix: ['PL1-'] }),
    restriction: { operations: null, tagPrefixes: ['PL1-00'] },
    meta: event({ tag: 'PL1-1' }),
    selected: false,
  },
  {
    name: 'a prefix is not a substring: PL1- does not select XPL1-001',
    spec: ask({ tag_prefix: ['PL1-'] }),
    meta: event({ tag: 'XPL1-001' }),
    selected: false,
  },
  {
    name: 'tag is exact: PL1-00 does not select PL1-001',
    spec: ask({ tag: ['PL1-00'] }),
    meta: event(),
    selected: false,
  },
  // OR within one name, AND across names
  {
    name: 'event_type TOMAR or PAUSAR selects PAUSAR',
    spec: ask({ event_type: ['TOMAR', 'PAUSAR'] }),
    meta: event({ type: 'PAUSAR' }),
    selected: true,
  },
  {
    name: 'event_type TOMAR or PAUSAR does not select COMPLETAR',
    spec: ask({ event_type: ['TOMAR', 'PAUSAR'] }),
    meta: event({ type: 'COMPLETAR' }),
    selected: false,
  },
  {
    name: 'worker 7 or MR(93) selects MR(93)',
    spec: ask({ worker: ['7', 'MR(93)'] }),
    meta: event(),
    selected: true,
  },
  {
    name: 'event_type TOMAR and operation ARM selects TOMAR/ARM',
    spec: ask({ event_type: ['TOMAR'], operation: ['ARM'] }),
    meta: event(),
    selected: true,
  },
  {
    name: 'event_type TOMAR and operation ARM does not select TOMAR/SOLD',
    spec: ask({ event_type: ['TOMAR'], operation: ['ARM'] }),
    meta: event({ operation: 'SOLD' }),
    selected: false,
  },
  {
    name: 'event_type TOMAR and operation ARM does not select PAUSAR/ARM',
    spec: ask({ event_type: ['TOMAR'], operation: ['ARM'] }),
    meta: event({ type: 'PAUSAR' }),
    selected: false,
  },
  {
    name: 'tag PL1-001 or PL2-001 and worker 7 does not select MR(93) on PL1-001',
    spec: ask({ tag: ['PL1-001', 'PL2-001'], worker: ['7'] }),
    meta: event(),
    selected: false,
  },
  {
    name: 'tag PL1-001 or PL2-001 and worker 7 selects JP(7) on PL2-001',
    spec: ask({ tag: ['PL1-001', 'PL2-001'], worker: ['7'] }),
    meta: event({ tag: 'PL2-001', workerId: 7, workerName: 'JP(7)' }),
    selected: true,
  },
];

test('literal cases of the contract: operation null, worker id or name, restriction lists, prefixes, OR and AND', (t) => {
  for (const { name, spec: asked, restriction: allowed = null, meta: m, selected } of CASES) {
    t.is(compileFilter(asked, allowed).matches(m), selected, name);
  }
});

test('literal row cases: a row with no operation or worker is selected only when nothing asks for one', (t) => {
  const row = { tag_spool: 'PL1-001', operation: null, worker_nombre: null, worker: null };
  t.true(compileFilter(ask({ tag_prefix: ['PL1-'] }), null).matchesRow(row));
  t.false(compileFilter(ask({ operation: ['ARM'] }), null).matchesRow(row));
  t.false(compileFilter(ask({ worker: ['93'] }), null).matchesRow(row));
  t.false(compileFilter(ask({}), { operations: ['ARM'], tagPrefixes: null }).matchesRow(row));
  t.true(compileFilter(ask({}), { operations: null, tagPrefixes: ['PL1-'] }).matchesRow(row));
  const named = {
    tag_spool: 'PL1-001',
    operation: 'ARM',
    worker_nombre: 'MR(93)',
    worker: { id: 93 },
  };
  t.true(compileFilter(ask({ worker: ['93'] }), null).matchesRow(named));
  t.true(compileFilter(ask({ worker: ['MR(93)'] }), null).matchesRow(named));
  t.false(compileFilter(ask({ worker: ['MR'] }), null).matchesRow(named));
});
