/**
 * docs/openapi.yaml and docs/asyncapi.yaml (docs/contract.md §6): valid for their own
 * parsers, served by the gateway exactly as bundled from the sources, and equal to what the
 * code and the contract say in the places a schema cannot be checked by traffic alone.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fromFile, Parser } from '@asyncapi/parser';
import { compileErrors, validate } from '@readme/openapi-parser';
import test from 'ava';
import { DOCS_DIR, type JsonObject, loadApiDocuments } from '../../scripts/api-docs.js';
import { TOKEN_PROBLEMS } from '../../src/auth/verifier.js';
import { SPOOL_EVENT_FIELDS_SCHEMA } from '../../src/domain/parse-spool-event.js';
import { REJECT_REASONS } from '../../src/domain/spool-event.js';
import { FILTER_PARAMS } from '../../src/domain/stream-filter.js';
import { PROTECTED_ROUTES } from '../../src/http/auth-middleware.js';
import { checkedFetch } from '../helpers/api-contract.js';
import { startGateway } from '../helpers/gateway.js';

const documents = loadApiDocuments();
const paths = documents.openapi.paths as Record<string, Record<string, JsonObject>>;
/** The value at a `/`-separated path in the bundled OpenAPI document. */
const at = (pointer: string): unknown =>
  pointer.split('/').reduce<unknown>((node, key) => (node as JsonObject)[key], documents.openapi);

test('docs/asyncapi.yaml parses with @asyncapi/parser without errors or warnings', async (t) => {
  const { document, diagnostics } = await fromFile(
    new Parser(),
    path.join(DOCS_DIR, 'asyncapi.yaml'),
  ).parse();
  // Severity 0 is an error, 1 a warning; 2 (information) only suggests AsyncAPI 3.1.
  t.deepEqual(
    diagnostics.filter((d) => d.severity < 2).map((d) => `${d.path.join('/')}: ${d.message}`),
    [],
  );
  t.truthy(document);
});

test('docs/openapi.yaml validates with @readme/openapi-parser', async (t) => {
  const result = await validate(path.join(DOCS_DIR, 'openapi.yaml'));
  t.true(result.valid, result.valid ? '' : compileErrors(result));
});

test('the gateway serves both documents as bundled from docs/', async (t) => {
  const gateway = await startGateway(t);
  for (const name of ['openapi', 'asyncapi'] as const) {
    const response = await checkedFetch(`${gateway.url}/api/${name}.json`);
    t.deepEqual(await response.json(), documents[name], `run npm run build: ${name}`);
  }
});

test('the documents carry the package version', (t) => {
  const { version } = JSON.parse(readFileSync(path.join(DOCS_DIR, '../package.json'), 'utf8'));
  t.is((documents.openapi.info as JsonObject).version, version);
  t.is((documents.asyncapi.info as JsonObject).version, version);
});

/** `schema` with refs into components inlined and annotations dropped: its rules only. */
function rulesOf(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(rulesOf);
  if (schema === null || typeof schema !== 'object') return schema;
  const { $ref, title: _t, description: _d, examples: _e, ...rest } = schema as JsonObject;
  if (typeof $ref === 'string') return rulesOf(at($ref.slice(2)));
  return Object.fromEntries(Object.entries(rest).map(([key, value]) => [key, rulesOf(value)]));
}

test("the producer's fields have the validator's rules (src/domain/parse-spool-event.ts)", (t) => {
  t.deepEqual(rulesOf(at('components/schemas/ProducerFields')), SPOOL_EVENT_FIELDS_SCHEMA);
});

test('the documented codes are the code lists: reject reasons, token problems, filters', (t) => {
  const sorted = (values: unknown) => [...(values as string[])].sort();
  const reasons = 'components/schemas/InvalidEvent/properties/reasons/items/properties/reason';
  t.deepEqual(sorted((at(reasons) as JsonObject).enum), sorted(REJECT_REASONS));
  const refusals = (at('components/schemas/Unauthorized/properties/reason') as JsonObject).enum;
  const tokenProblems = TOKEN_PROBLEMS.filter((p) => p !== 'keys_unavailable');
  t.deepEqual(sorted(refusals), sorted([...tokenProblems, 'missing', 'query_token_not_allowed']));
  const parameters = paths['/api/spools']?.get?.parameters as JsonObject[];
  const names = parameters.map((p) => (at(String(p.$ref).slice(2)) as JsonObject).name);
  t.deepEqual(names, [...FILTER_PARAMS]);
});

test('exactly the protected routes (src/http/auth-middleware.ts) take a token with their scope', (t) => {
  const scopesOf = (op: JsonObject) => [
    ...new Set((op.security as JsonObject[] | undefined)?.flatMap((s) => Object.values(s).flat())),
  ];
  for (const [route, item] of Object.entries(paths)) {
    for (const [verb, op] of Object.entries(item)) {
      // A preflight carries no credentials: CORS answers it before auth.
      const scope = verb === 'options' ? undefined : PROTECTED_ROUTES[route]?.scope;
      t.deepEqual(scopesOf(op), scope === undefined ? [] : [scope], `${verb} ${route}`);
    }
  }
});

test("the contract's route table (§3) names every OpenAPI path; each of its routes is an operation", (t) => {
  const contract = readFileSync(path.join(DOCS_DIR, 'contract.md'), 'utf8');
  const section = contract.split(/^## /m).find((s) => s.startsWith('3. ')) ?? '';
  const rows = section.split('\n').filter((line) => line.startsWith('| `'));
  const spans = rows.flatMap((row) => [...row.matchAll(/`([^`]+)`/g)].map((m) => m[1] ?? ''));
  const routes = spans.flatMap((span) => {
    const [, verb, route] = /^([A-Z]+) (\/\S*)$/.exec(span) ?? [];
    return verb && route ? [`${verb.toLowerCase()} ${route}`] : [];
  });
  t.true(routes.length > 10, 'no route table found under "## 3." in docs/contract.md');
  t.deepEqual(
    routes.filter(
      (r) => paths[r.split(' ')[1] as string]?.[r.split(' ')[0] as string] === undefined,
    ),
    [],
  );
  const named = new Set(spans.map((span) => span.replace(/^[A-Z]+ /, '')));
  t.deepEqual(
    Object.keys(paths).filter((route) => !named.has(route)),
    [],
  );
});
