/**
 * The machine-readable contract as the gateway serves it: docs/openapi.yaml and
 * docs/asyncapi.yaml, each with the shared schemas it names in docs/schemas/wire.json
 * moved into its own `components.schemas`, so each document stands alone (internal `$ref`s
 * only) and the shared schemas are written once. The build writes them to dist/public
 * (`writeApiDocuments`), so the gateway reads JSON and needs no YAML parser; the type
 * generator and the tests read them through `loadApiDocuments`.
 */
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { API_DOCUMENTS } from '../src/http/static-route.js';

/** A JSON object. */
export type JsonObject = Record<string, unknown>;

/** The two documents, bundled. */
export interface ApiDocuments {
  openapi: JsonObject;
  asyncapi: JsonObject;
}

/** Where the documents live. */
export const DOCS_DIR = fileURLToPath(new URL('../docs/', import.meta.url));
/** The shared schemas, as the documents name them. */
const SHARED_FILE = './schemas/wire.json';
const SHARED_REF = `${SHARED_FILE}#/$defs/`;
const LOCAL_REF = '#/$defs/';
/**
 * Keywords allowed beside a `$ref` in the shared schemas: annotations only. Any other
 * keyword is applied in JSON Schema 2020-12 (OpenAPI 3.1) but ignored in draft-07 (AsyncAPI
 * 3.0), so one schema would mean two things.
 */
const REF_SIBLINGS = new Set(['$ref', 'description', 'title', '$comment']);

/** docs/schemas/wire.json, parsed. */
export function readSharedSchemas(): JsonObject {
  return JSON.parse(readFileSync(path.join(DOCS_DIR, SHARED_FILE), 'utf8')) as JsonObject;
}

/** Both documents, parsed from their YAML and bundled. */
export function loadApiDocuments(): ApiDocuments {
  const shared = readSharedSchemas();
  const read = (file: string) =>
    bundleApiDocument(parse(readFileSync(path.join(DOCS_DIR, file), 'utf8')) as JsonObject, shared);
  return { openapi: read('openapi.yaml'), asyncapi: read('asyncapi.yaml') };
}

/**
 * `document` with every `$ref` into the shared file pointed at `#/components/schemas/<name>`
 * and those schemas (and the ones they name) added there, in the shared file's order.
 * Throws on a name the shared file lacks or the document defines too.
 */
export function bundleApiDocument(document: JsonObject, shared: JsonObject): JsonObject {
  const defs = (shared.$defs ?? {}) as Record<string, unknown>;
  const components = (document.components ?? {}) as JsonObject;
  const own = (components.schemas ?? {}) as JsonObject;
  const used = new Map<string, unknown>();

  const pointAt = (ref: string, isShared: boolean): string => {
    const prefix = isShared ? LOCAL_REF : SHARED_REF;
    if (!ref.startsWith(prefix)) {
      if (ref.startsWith('#/') && !isShared) return ref;
      throw new Error(`$ref ${ref}: only ${isShared ? LOCAL_REF : `#/ and ${SHARED_REF}`} refs`);
    }
    const name = ref.slice(prefix.length);
    if (!(name in defs)) throw new Error(`$ref ${ref}: docs/schemas/wire.json has no ${name}`);
    if (name in own) throw new Error(`${name} is in docs/schemas/wire.json and in the document`);
    if (!used.has(name)) {
      used.set(name, undefined);
      used.set(name, rewrite(defs[name], true));
    }
    return `#/components/schemas/${name}`;
  };

  const rewrite = (value: unknown, isShared: boolean): unknown => {
    if (Array.isArray(value)) return value.map((item) => rewrite(item, isShared));
    if (value === null || typeof value !== 'object') return value;
    const entries = Object.entries(value);
    if (isShared && '$ref' in value) {
      const extra = entries.map(([key]) => key).filter((key) => !REF_SIBLINGS.has(key));
      if (extra.length > 0) throw new Error(`a shared $ref has sibling keywords: ${extra}`);
    }
    return Object.fromEntries(
      entries.map(([key, child]) => [
        key,
        key === '$ref' && typeof child === 'string'
          ? pointAt(child, isShared)
          : rewrite(child, isShared),
      ]),
    );
  };

  const bundled = rewrite(document, false) as JsonObject;
  const bundledComponents = (bundled.components ?? {}) as JsonObject;
  const sharedSchemas = Object.keys(defs)
    .filter((name) => used.has(name))
    .map((name) => [name, used.get(name)] as const);
  bundled.components = {
    ...bundledComponents,
    schemas: { ...(bundledComponents.schemas as JsonObject), ...Object.fromEntries(sharedSchemas) },
  };
  return bundled;
}

/** The files the gateway serves (src/http/static-route.ts), by document. */
const FILES: Record<keyof ApiDocuments, string> = {
  openapi: API_DOCUMENTS['/api/openapi.json'],
  asyncapi: API_DOCUMENTS['/api/asyncapi.json'],
};

/** Writes both documents as JSON under `distDir` (the build's step). */
export async function writeApiDocuments(distDir: string): Promise<void> {
  const documents = loadApiDocuments();
  await Promise.all(
    (['openapi', 'asyncapi'] as const).map(async (name) => {
      const file = path.join(distDir, FILES[name]);
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, `${JSON.stringify(documents[name])}\n`);
    }),
  );
}
