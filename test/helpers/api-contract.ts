/**
 * The suite's hold on docs/openapi.yaml and docs/asyncapi.yaml: every frame and answer the
 * helpers receive from a gateway is validated against them, so neither the gateway nor the
 * documents can drift. One ajv (JSON Schema 2020-12, with formats) is built once per test
 * process, when this module loads, from the bundled documents, the JSON the gateway serves
 * (scripts/api-docs.ts); each schema is compiled on first use.
 * A violation throws a `ContractViolation` that names the frame or route and ajv's path.
 *
 * - `frameCheckerFor(url)`: the check for the SSE frames of a gateway stream, keyed by
 *   event name (an event the channel does not list fails); null for other URLs.
 * - `checkProducerEvent(event)`: a message of the producers' Redis channel.
 * - `checkResponse(method, url, response)`: status, documented headers and JSON body.
 * - `checkedFetch(url, init)`: `fetch` plus `checkResponse`.
 */
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { type JsonObject, loadApiDocuments } from '../../scripts/api-docs.js';

/** A frame or answer that breaks the documents. */
export class ContractViolation extends Error {
  override name = 'ContractViolation';
}

/** The SSE fields of one frame (`SseFrame` of sse-client.ts has them). */
export interface FrameFields {
  event: string;
  id?: string;
  data: string;
}

/** The AsyncAPI channel of each gateway path that answers with Server-Sent Events. */
const SSE_CHANNELS: Readonly<Record<string, string>> = {
  '/api/sse/stream': 'stream',
  '/api/streams/spools': 'streamsSse',
};

// ajv-formats is CommonJS whose d.ts declares `export default`.
const addFormats = addFormatsModule.default;

interface Contract {
  openapi: JsonObject;
  asyncapi: JsonObject;
  validator(ref: string): ValidateFunction;
}

/** The documents and their ajv. */
function buildContract(): Contract {
  const { openapi, asyncapi } = loadApiDocuments();
  // Strict but for two checks that refuse sound schemas: an `allOf` part that only narrows
  // (`required: [offset]`, `not: {required: [offset]}`) need not repeat `type` or `properties`.
  // The documents themselves are validated by their own parsers (test/contract), not again
  // against the JSON Schema meta-schema here.
  const ajv = new Ajv2020({
    strict: true,
    strictTypes: false,
    strictRequired: false,
    allowUnionTypes: true,
    validateSchema: false,
  });
  addFormats(ajv);
  // Resolving a ref into a document compiles its root: its top-level fields (`paths`,
  // `channels`, ...) are not schema keywords, so they are declared as inert ones.
  ajv.addVocabulary([...new Set([...Object.keys(openapi), ...Object.keys(asyncapi)])]);
  ajv.addSchema(openapi, 'openapi.json');
  ajv.addSchema(asyncapi, 'asyncapi.json');
  const compiled = new Map<string, ValidateFunction>();
  return {
    openapi,
    asyncapi,
    validator(ref) {
      let validate = compiled.get(ref);
      if (validate === undefined) {
        validate = ajv.compile({ $ref: ref });
        compiled.set(ref, validate);
      }
      return validate;
    },
  };
}

// At load, not on first use: parsing the YAML takes a few hundred ms, which must not land
// in the middle of a test whose peers measure time (a proxy answering within a deadline).
const contract = buildContract();

/** Throws unless `value` is valid against the schema at `ref`. */
function check(ref: string, value: unknown, what: string): void {
  const validate = contract.validator(ref);
  if (validate(value)) return;
  const problems = (validate.errors ?? []).map(describeError).join('; ');
  const shown = JSON.stringify(value) ?? String(value);
  throw new ContractViolation(
    `${what} breaks ${ref}: ${problems}; got ${shown.length > 300 ? `${shown.slice(0, 297)}...` : shown}`,
  );
}

function describeError(error: ErrorObject): string {
  return `${error.instancePath || '/'} ${error.message ?? error.keyword} (${error.schemaPath})`;
}

/** A JSON pointer segment in a `$ref` fragment. */
function segment(key: string): string {
  return encodeURIComponent(key.replaceAll('~', '~0').replaceAll('/', '~1'));
}

/** Follows a document-local `$ref`; returns the object and the pointer it lives at. */
function follow(document: JsonObject, value: JsonObject, at: string): [JsonObject, string] {
  const ref = value.$ref;
  if (typeof ref !== 'string') return [value, at];
  let target: unknown = document;
  for (const part of ref.slice(2).split('/')) {
    target = (target as JsonObject)[part.replaceAll('~1', '/').replaceAll('~0', '~')];
  }
  return follow(document, target as JsonObject, ref.slice(1));
}

/**
 * The check for the frames of a stream opened at `url`: null unless its path is a gateway
 * SSE route. The check throws on an event the channel does not list, `event`/`id` fields
 * other than the message's headers allow, or `data` that is not its payload.
 */
export function frameCheckerFor(url: string): ((frame: FrameFields) => void) | null {
  const path = new URL(url).pathname;
  const channelId = SSE_CHANNELS[path];
  if (channelId === undefined) return null;
  const { asyncapi } = contract;
  const channels = asyncapi.channels as Record<string, JsonObject>;
  const channelMessages = (channels[channelId]?.messages ?? {}) as Record<string, JsonObject>;
  const byEvent = new Map<string, string>();
  for (const [key, message] of Object.entries(channelMessages)) {
    const [resolved, at] = follow(asyncapi, message, `/channels/${channelId}/messages/${key}`);
    byEvent.set(resolved.name as string, `asyncapi.json#${at}`);
  }
  return (frame) => {
    const where = `SSE frame "${frame.event}" on ${path}`;
    const message = byEvent.get(frame.event);
    if (message === undefined) {
      throw new ContractViolation(
        `${where}: docs/asyncapi.yaml channel ${channelId} has no such message (it lists ${[...byEvent.keys()].join(', ')})`,
      );
    }
    const fields =
      frame.id === undefined ? { event: frame.event } : { event: frame.event, id: frame.id };
    check(`${message}/headers`, fields, `${where}, its fields`);
    let data: unknown;
    try {
      data = JSON.parse(frame.data);
    } catch {
      throw new ContractViolation(`${where}: data is not JSON: ${frame.data.slice(0, 200)}`);
    }
    check(`${message}/payload`, data, `${where}, its data`);
  };
}

/** Throws unless `event` is a producer's message as docs/asyncapi.yaml's Redis channel says. */
export function checkProducerEvent(event: unknown): void {
  check('asyncapi.json#/components/messages/producerEvent/payload', event, 'producer event');
}

/**
 * Checks one answer of the gateway against docs/openapi.yaml: its route and method are
 * documented, its status is listed, every required header is there and every documented
 * header it has fits, its Content-Type is listed and a JSON body fits the schema. Reads a
 * clone, so the caller can still read the body; a text/event-stream body is not read.
 */
export async function checkResponse(
  method: string,
  url: string,
  response: Response,
): Promise<void> {
  const { openapi } = contract;
  const path = new URL(url).pathname;
  const verb = method.toLowerCase();
  const route = `${method.toUpperCase()} ${path}`;
  const pathItem = (openapi.paths as Record<string, JsonObject>)[path];
  const operation = pathItem?.[verb] as JsonObject | undefined;
  if (operation === undefined) throw new ContractViolation(`${route} is not in docs/openapi.yaml`);
  const status = String(response.status);
  const listed = operation.responses as Record<string, JsonObject>;
  const entry = listed[status];
  if (entry === undefined) {
    throw new ContractViolation(
      `${route} answered ${status}; docs/openapi.yaml lists ${Object.keys(listed).join(', ')}`,
    );
  }
  const [answer, at] = follow(
    openapi,
    entry,
    `/paths/${segment(path)}/${verb}/responses/${status}`,
  );
  const where = `${route} ${status}`;
  for (const [name, declared] of Object.entries(
    (answer.headers ?? {}) as Record<string, JsonObject>,
  )) {
    const [header, headerAt] = follow(openapi, declared, `${at}/headers/${segment(name)}`);
    const value = response.headers.get(name);
    if (value === null) {
      if (header.required === true) throw new ContractViolation(`${where}: no ${name} header`);
      continue;
    }
    check(`openapi.json#${headerAt}/schema`, value, `${where}, header ${name}`);
  }
  const content = answer.content as Record<string, JsonObject> | undefined;
  if (content === undefined || verb === 'head') return;
  const mediaType = (response.headers.get('content-type') ?? '').split(';')[0]?.trim() ?? '';
  if (content[mediaType] === undefined) {
    throw new ContractViolation(
      `${where}: Content-Type ${mediaType || '(none)'}; docs/openapi.yaml lists ${Object.keys(content).join(', ')}`,
    );
  }
  if (mediaType !== 'application/json') return;
  const text = await response.clone().text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ContractViolation(`${where}: the body is not JSON: ${text.slice(0, 200)}`);
  }
  check(`openapi.json#${at}/content/${segment(mediaType)}/schema`, body, `${where}, its body`);
}

/** `fetch` of a gateway route, its answer checked by `checkResponse` before it is returned. */
export async function checkedFetch(url: string, init: RequestInit = {}): Promise<Response> {
  const response = await fetch(url, init);
  await checkResponse(init.method ?? 'GET', url, response);
  return response;
}
