import test from 'ava';
import { decodePayload } from '../../src/domain/decode-payload.js';

test('decodes UTF-8, multi-byte characters included', (t) => {
  t.deepEqual(decodePayload(Buffer.from('{"a":"ñ😀"}'), 100), { ok: true, text: '{"a":"ñ😀"}' });
});

test('refuses bytes that are not UTF-8 instead of replacing them with U+FFFD', (t) => {
  for (const bad of [[0xff], [0xc3], [0xed, 0xa0, 0x80], [0xe2, 0x28, 0xa1]]) {
    const bytes = Buffer.concat([Buffer.from('{"a":"'), Buffer.from(bad), Buffer.from('"}')]);
    t.like(decodePayload(bytes, 100), { ok: false, reason: 'invalid_unicode' }, String(bad));
  }
});

test('refuses an oversized message by its length, before decoding', (t) => {
  const bytes = Buffer.alloc(101, 0xff);
  t.like(decodePayload(bytes, 100), { ok: false, reason: 'too_large' });
  t.like(decodePayload(Buffer.alloc(100, 0x20), 100), { ok: true });
});
