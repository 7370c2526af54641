/**
 * src/contract/frames.ts is what `npm run gen:types` makes of the documents, and the
 * hand-written types of the wire values agree with it. The agreements are checked by tsc
 * (`npm run typecheck`), which fails on the line of a type that left the documents.
 */
import { readFileSync } from 'node:fs';
import test from 'ava';
import { FRAME_TYPES_FILE, generateFrameTypes } from '../../scripts/gen-frame-types.js';
import type { Snapshot } from '../../src/bus/feed.js';
import type * as Wire from '../../src/contract/frames.js';
import type { BusHealth } from '../../src/domain/bus-health.js';
import type {
  EnrichedSpoolEvent,
  Enrichment,
  SpoolEvent,
  WorkerRef,
} from '../../src/domain/spool-event.js';
import type { SpoolState } from '../../src/domain/spool-state.js';
import type { StartPosition } from '../../src/read/start-position.js';

test('src/contract/frames.ts is generated from the documents as they are (npm run gen:types)', async (t) => {
  t.is(readFileSync(FRAME_TYPES_FILE, 'utf8'), await generateFrameTypes(), 'run npm run gen:types');
});

/** True when each type is assignable to the other. */
type Agree<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

/**
 * The hand-written wire types agree with the generated ones. Nothing here runs: tsc (which
 * compiles test/ with `tsc -p tsconfig.json`) fails on the line of a type that no longer
 * agrees, since `true` does not satisfy `false` (the constant is never read; hence the `_`).
 */
const _AGREEMENTS = [
  true satisfies Agree<SpoolState, Wire.SpoolState>,
  true satisfies Agree<Snapshot, Omit<Wire.Snapshot, 'offset'>>,
  true satisfies Agree<SpoolEvent, Wire.ProducerEvent>,
  true satisfies Agree<EnrichedSpoolEvent, Wire.SpoolUpdate>,
  true satisfies Agree<Enrichment, Wire.Enrichment>,
  true satisfies Agree<WorkerRef, Wire.Worker>,
  true satisfies Agree<BusHealth, Wire.BusHealth>,
  true satisfies Agree<Extract<StartPosition, { kind: 'resync' }>['reason'], Wire.Resync['reason']>,
];
