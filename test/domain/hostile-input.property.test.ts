import assert from 'node:assert/strict';
import test from 'ava';
import fc from 'fast-check';
import { decodePayload } from '../../src/domain/decode-payload.js';
import { enrichSpoolEvent } from '../../src/domain/enrich-spool-event.js';
import { parseSpoolEvent } from '../../src/domain/parse-spool-event.js';
import { formatSpoolUpdate } from '../../src/stream/sse-frame.js';
import {
  badMessage,
  goodMessage,
  PROPERTY_MAX_EVENT_BYTES,
  PROPERTY_SEED,
} from '../fixtures/hostile-messages.js';
import { checkProducerEvent, frameCheckerFor } from '../helpers/api-contract.js';
import { createSseParser, type SseFrame } from '../helpers/sse-client.js';

const ZONE = 'America/Santiago';
/** docs/asyncapi.yaml's check of the stream's frames; the file fails to load without one. */
const streamFrameCheck = frameCheckerFor('http://127.0.0.1/api/sse/stream');
if (streamFrameCheck === null)
  throw new Error('docs/asyncapi.yaml has no check for /api/sse/stream');
const checkStreamFrame = streamFrameCheck;

/** What a spec-following SSE reader makes of the frame bytes. */
function readFrames(bytes: string): SseFrame[] {
  const frames: SseFrame[] = [];
  const parser = createSseParser((frame) => frames.push(frame));
  parser.push(bytes);
  parser.end();
  return frames;
}

// fast-check throws (with the seed and the shrunk counterexample) when a run fails.
test('every good message: decoded, accepted, framed as one frame whose JSON is the producer value plus spoolcast, as the documents say', (t) => {
  fc.assert(
    fc.property(goodMessage, (message) => {
      if (message.kind !== 'good') return;
      const decoded = decodePayload(message.bytes, PROPERTY_MAX_EVENT_BYTES);
      if (!decoded.ok) throw new Error(`refused: ${decoded.reason}`);
      const parsed = parseSpoolEvent(decoded.text, PROPERTY_MAX_EVENT_BYTES);
      if (!parsed.ok) throw new Error(`rejected: ${parsed.reason} ${parsed.detail}`);
      const json = enrichSpoolEvent(parsed.event, '9-0', 9, ZONE, decoded.text);
      const frame = formatSpoolUpdate('9-0', json);
      assert.ok(!/[\u2028\u2029\u0085]/.test(frame), 'no raw line separator in the frame');
      const frames = readFrames(frame);
      assert.equal(frames.length, 1);
      // The documents agree: the producer's schema takes it, the frame's schema its frame.
      checkProducerEvent(JSON.parse(message.text));
      checkStreamFrame(frames[0] as SseFrame);
      const { spoolcast, ...fields } = JSON.parse(frames[0]?.data ?? '');
      assert.deepEqual(fields, JSON.parse(message.text));
      assert.equal(spoolcast.id, '9-0');
    }),
    { seed: PROPERTY_SEED, numRuns: 500 },
  );
  t.pass('500 generated messages held the property');
});

test('every hostile message is refused with the reason the contract names, never thrown', (t) => {
  fc.assert(
    fc.property(badMessage, (message) => {
      if (message.kind !== 'bad') return;
      const decoded = decodePayload(message.bytes, PROPERTY_MAX_EVENT_BYTES);
      const reason = decoded.ok
        ? (() => {
            const parsed = parseSpoolEvent(decoded.text, PROPERTY_MAX_EVENT_BYTES);
            return parsed.ok ? 'accepted' : parsed.reason;
          })()
        : decoded.reason;
      assert.equal(reason, message.reason);
    }),
    { seed: PROPERTY_SEED, numRuns: 500 },
  );
  t.pass('500 generated messages held the property');
});
