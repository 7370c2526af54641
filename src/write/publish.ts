/**
 * `POST /api/events` on the write side: the body's bytes are decoded, prepared once with
 * the recipe the publisher library shares (domain/publish-request.ts) and stored. The
 * outcome is a value the route turns into a status; nothing here knows HTTP.
 */
import type { EventStore } from '../bus/store.js';
import { decodePayload } from '../domain/decode-payload.js';
import type { SpoolEventProblem } from '../domain/parse-spool-event.js';
import { preparePublish } from '../domain/publish-request.js';
import type { RejectReason } from '../domain/spool-event.js';

/** What became of one publish. */
export type PublishOutcome =
  | { kind: 'stored'; id: string; isReplay: boolean }
  /** Refused: every problem, the first being the one counted. */
  | { kind: 'invalid'; problems: SpoolEventProblem[] }
  | { kind: 'invalid_key'; message: string }
  /** Not stored (Redis failing or slow): retry with the same idempotency key. */
  | { kind: 'unavailable'; message: string };

/** What publishing needs. */
export interface PublishDeps {
  store: EventStore;
  maxEventBytes: number;
  timeZone: string;
  /** Counts one validation (`spoolcast_validations_total{source="http"}`). */
  onValidated(): void;
  onRejected(reason: RejectReason, detail: string): void;
  onStoreFailed(): void;
}

/** Publishes one event from its body bytes; `idempotencyKey` is the header's value. */
export type Publish = (body: Uint8Array, idempotencyKey: string) => Promise<PublishOutcome>;

/** Creates the publish step. */
export function createPublish(deps: PublishDeps): Publish {
  const refuse = (problems: SpoolEventProblem[]): PublishOutcome => {
    const first = problems[0] as SpoolEventProblem;
    deps.onRejected(first.reason, first.detail);
    return { kind: 'invalid', problems };
  };
  return async (body, idempotencyKey) => {
    const decoded = decodePayload(body, deps.maxEventBytes);
    if (!decoded.ok) return refuse([{ reason: decoded.reason, detail: decoded.detail }]);
    deps.onValidated();
    const prepared = preparePublish(decoded.text, {
      maxEventBytes: deps.maxEventBytes,
      timeZone: deps.timeZone,
      idempotencyKey,
    });
    if (!prepared.ok && 'keyProblem' in prepared) {
      return { kind: 'invalid_key', message: prepared.keyProblem };
    }
    if (!prepared.ok) return refuse(prepared.problems);
    const stored = await deps.store.store(prepared.request);
    // Bad input the store could not take; nothing was written, so a retry cannot help.
    if (!stored.ok && stored.kind === 'refused') {
      return refuse([{ reason: 'invalid_value', detail: stored.reason }]);
    }
    if (!stored.ok) {
      deps.onStoreFailed();
      return { kind: 'unavailable', message: stored.reason };
    }
    return { kind: 'stored', id: stored.id, isReplay: stored.isReplay };
  };
}
