/**
 * The pipeline is a transform: messages in, validated (and enriched) results out, in the
 * order the messages came in, whatever order the pool threads finish in. It knows the
 * pure core and the worker pool and nothing else: where messages come from and where
 * results go is the wiring's business (src/flow.ts). Nothing here throws for bad data.
 */
import type { BatchItem, ItemResult } from '../domain/batch.js';
import { fillEnrichmentTemplate } from '../domain/enrich-spool-event.js';
import type { RejectReason } from '../domain/spool-event.js';
import { createSequencer, type Sequencer } from './sequencer.js';
import { TemplateStash } from './template-stash.js';
import type { WorkerPool } from './worker-pool.js';

/** A stored event on its way out: its id, storage time and the producer's text. */
export interface StoredInput {
  id: string;
  storedAtMs: number;
  payload: string;
}

/** A plain producer message to validate before it is claimed. */
export interface PlainInput {
  payload: string;
  /** Refused at the edge (too large, not UTF-8): it never reaches the pool. */
  refused?: { reason: RejectReason; detail: string };
}

/** Pipeline settings and where its results go. */
export interface PipelineOptions<S extends StoredInput, P extends PlainInput> {
  pool: WorkerPool;
  /** Most messages in one pool task (POOL_BATCH_MAX). */
  batchMax: number;
  maxEventBytes: number;
  /** The plant's IANA zone, for producer timestamps. */
  timeZone: string;
  /** Stored events enriched (result `data` is the outgoing JSON), in storage order. */
  onEnriched(batch: S[], results: ItemResult[]): void;
  /** Plain messages checked (result `patch` is the state patch), in arrival order. */
  onChecked(batch: P[], results: ItemResult[]): void;
  /** How long a checked message's template waits for its announcement (ms). */
  templateMaxAgeMs: number;
  /** Counts enrichments by where they ran: finished from the check pass, or in the pool. */
  onEnrichedWhere?: (where: 'check_pass' | 'pool', count: number) => void;
}

/** The running transform. */
export interface Pipeline<S extends StoredInput, P extends PlainInput> {
  /** Enriches stored events; results reach `onEnriched` in the order given. */
  enrich(messages: S[]): void;
  /** Validates plain messages; results reach `onChecked` in the order given. */
  check(messages: P[]): void;
  /**
   * Keeps the enrichment template of a message validated elsewhere on this gateway (a
   * POST), so its announcement is finished without a pool pass. Call before storing it.
   */
  remember(text: string, template: string): void;
  /** Enriches events outside the live order (catch-up reads), aligned with `messages`. */
  enrichNow(messages: StoredInput[]): Promise<ItemResult[]>;
  /** Starts the pool threads, so the first real batch does not pay for them. */
  warm(): Promise<void>;
}

function chunk<T>(items: T[], size: number): T[][] {
  if (items.length <= size) return [items];
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Creates the transform around a pool. */
export function createPipeline<S extends StoredInput, P extends PlainInput>(
  options: PipelineOptions<S, P>,
): Pipeline<S, P> {
  const { pool, maxEventBytes, timeZone } = options;
  const enriched: Sequencer<[S[], ItemResult[]]> = createSequencer(([batch, results]) =>
    options.onEnriched(batch, results),
  );
  const checked: Sequencer<[P[], ItemResult[]]> = createSequencer(([batch, results]) =>
    options.onChecked(batch, results),
  );

  // A burst of checked messages waits here for its announcements; far more than any burst.
  const stash = new TemplateStash({ maxEntries: 50_000, maxAgeMs: options.templateMaxAgeMs });

  // Plain messages whose check is running, by text: the batch's completion.
  const checksInFlight = new Map<string, Promise<void>>();

  // Messages this gateway checked itself are finished from their templates: every step
  // once. The rest (POST, RedisEventService, a replica that joined late) go to the pool.
  const enrichBatch = (ticket: number, batch: S[]) => {
    const local = batch.map((m): ItemResult | null => {
      const template = stash.take(m.payload);
      if (template === null) return null;
      return {
        ok: true,
        data: fillEnrichmentTemplate(template, m.id, m.storedAtMs),
        tag: '',
        patch: '',
      };
    });
    const misses = batch.filter((_, i) => local[i] === null);
    options.onEnrichedWhere?.('check_pass', batch.length - misses.length);
    if (misses.length === 0) {
      enriched.complete(ticket, [batch, local as ItemResult[]]);
      return;
    }
    options.onEnrichedWhere?.('pool', misses.length);
    void runEnrich(misses).then((results) => {
      let next = 0;
      const merged = local.map((r) => r ?? (results[next++] as ItemResult));
      enriched.complete(ticket, [batch, merged]);
    });
  };

  const runEnrich = (batch: StoredInput[]) =>
    pool.run({
      mode: 'enrich',
      maxEventBytes,
      timeZone,
      items: batch.map(
        (m): BatchItem => ({ payload: m.payload, id: m.id, storedAtMs: m.storedAtMs }),
      ),
    });

  return {
    enrich(messages) {
      for (const batch of chunk(messages, options.batchMax)) {
        const ticket = enriched.reserve();
        // A message another replica claimed can be announced before this gateway's own
        // check of it has finished: wait for that check rather than parse it twice.
        const waits = [...new Set(batch.map((m) => checksInFlight.get(m.payload)))].filter(
          (w): w is Promise<void> => w !== undefined,
        );
        const ready = waits.length === 0 ? null : Promise.all(waits);
        if (ready === null) enrichBatch(ticket, batch);
        else void ready.then(() => enrichBatch(ticket, batch));
      }
    },
    check(messages) {
      for (const batch of chunk(messages, options.batchMax)) {
        const ticket = checked.reserve();
        const toCheck = batch.filter((m) => !m.refused);
        const checking: Promise<ItemResult[]> =
          toCheck.length === 0
            ? Promise.resolve([])
            : pool.run({
                mode: 'check',
                maxEventBytes,
                timeZone,
                items: toCheck.map((m) => ({ payload: m.payload })),
              });
        const done = checking.then((results) => {
          // Put the edge refusals back in their places, so results align with the batch;
          // keep each accepted message's template for its announcement.
          let next = 0;
          const aligned = batch.map((m): ItemResult => {
            if (m.refused) return { ok: false, ...m.refused };
            const result = results[next++] as ItemResult;
            if (result.ok) stash.put(m.payload, result.data);
            return result;
          });
          for (const m of toCheck) {
            if (checksInFlight.get(m.payload) === done) checksInFlight.delete(m.payload);
          }
          checked.complete(ticket, [batch, aligned]);
        });
        for (const m of toCheck) checksInFlight.set(m.payload, done);
      }
    },
    remember: (text, template) => stash.put(text, template),
    async enrichNow(messages) {
      const out: ItemResult[] = [];
      for (const batch of chunk(messages, options.batchMax)) out.push(...(await runEnrich(batch)));
      return out;
    },
    warm: () => pool.warm(),
  };
}
