/**
 * What crosses the thread boundary between the write side's pipeline and the worker pool:
 * a batch of producer texts in, one PrepareResult per text out. Flat strings and numbers,
 * so structured cloning stays cheap.
 */
import type { PreparedEvent, PrepareResult } from './prepare-event.js';
import type { RejectReason } from './spool-event.js';

/** One unit of work for a worker thread: many messages at once (a task has a fixed cost). */
export interface PrepareTask {
  maxEventBytes: number;
  /** IANA zone of the plant clock used to read producer timestamps. */
  timeZone: string;
  payloads: string[];
}

/**
 * A batch's results packed into a few strings for the trip back: structured cloning one
 * object per event costs more than preparing it. Every PreparedEvent field is one line
 * (JSON text escapes line breaks, tags refuse control characters), so each list is joined
 * with '\n'.
 */
export interface PackedResults {
  /** One character per item: '1' accepted, '0' rejected. */
  verdicts: string;
  templates: string;
  tags: string;
  patches: string;
  metas: string;
  /** Rejected items' reasons and details, in item order. */
  rejects: { reason: RejectReason; detail: string }[];
}

const FIELDS = ['template', 'tag', 'patch', 'meta'] as const;

/** Packs results for the trip back to the main thread. */
export function packResults(results: readonly PrepareResult[]): PackedResults {
  let verdicts = '';
  const lists: Record<(typeof FIELDS)[number], string[]> = {
    template: [],
    tag: [],
    patch: [],
    meta: [],
  };
  const rejects: PackedResults['rejects'] = [];
  for (const result of results) {
    if (result.ok) {
      verdicts += '1';
      for (const field of FIELDS) lists[field].push(result.prepared[field]);
    } else {
      verdicts += '0';
      rejects.push({ reason: result.reason, detail: result.detail });
    }
  }
  return {
    verdicts,
    templates: lists.template.join('\n'),
    tags: lists.tag.join('\n'),
    patches: lists.patch.join('\n'),
    metas: lists.meta.join('\n'),
    rejects,
  };
}

/** Unpacks what `packResults` made, aligned with the batch's payloads again. */
export function unpackResults(packed: PackedResults): PrepareResult[] {
  const accepted = packed.verdicts.replaceAll('0', '').length;
  const split = (text: string) => (accepted === 0 ? [] : text.split('\n'));
  const templates = split(packed.templates);
  const tags = split(packed.tags);
  const patches = split(packed.patches);
  const metas = split(packed.metas);
  const results: PrepareResult[] = [];
  let ok = 0;
  let rejected = 0;
  for (const verdict of packed.verdicts) {
    if (verdict === '1') {
      const prepared: PreparedEvent = {
        template: templates[ok] ?? '',
        tag: tags[ok] ?? '',
        patch: patches[ok] ?? '',
        meta: metas[ok] ?? '',
      };
      results.push({ ok: true, prepared });
      ok += 1;
    } else {
      results.push({
        ok: false,
        ...(packed.rejects[rejected] as PackedResults['rejects'][number]),
      });
      rejected += 1;
    }
  }
  return results;
}
