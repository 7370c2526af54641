import test from 'ava';
import { escapeLineSeparators, findDuplicateKey } from '../../src/domain/json-text.js';

test('finds a duplicate top-level key', (t) => {
  t.is(
    findDuplicateKey('{"event_type":"TOMAR","tag_spool":"S","event_type":"COMPLETAR"}'),
    'event_type',
  );
});

test('finds a duplicate key in a nested object and in an object inside an array', (t) => {
  t.is(findDuplicateKey('{"a":{"b":1,"b":2}}'), 'b');
  t.is(findDuplicateKey('{"a":[1,{"c":1,"d":2,"c":3}]}'), 'c');
});

test('compares keys after unescaping', (t) => {
  t.is(findDuplicateKey('{"a":1,"\\u0061":2}'), 'a');
  t.is(findDuplicateKey('{"\\"q":1,"\\u0022q":2}'), '"q');
});

test('the same key in sibling objects or at different depths is not a duplicate', (t) => {
  t.is(findDuplicateKey('{"a":{"x":1},"b":{"x":2},"x":[{"x":1},{"x":2}]}'), null);
});

test('string values that look like keys, braces or escaped quotes do not confuse it', (t) => {
  t.is(findDuplicateKey('{"a":"\\"a\\":1,{","b":"}\\\\","c":["a","a"]}'), null);
  t.is(findDuplicateKey('{"a":"x\\\\","a":1}'), 'a');
});

test('handles 20,000 levels of nesting without a stack overflow', (t) => {
  t.is(findDuplicateKey(`${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}`), null);
});

test('escapes U+2028, U+2029 and U+0085 and keeps the JSON value', (t) => {
  const value = { s: 'a\u2028b\u2029c\u0085d', plain: 'ñ €' };
  const escaped = escapeLineSeparators(JSON.stringify(value));
  t.is(escaped, '{"s":"a\\u2028b\\u2029c\\u0085d","plain":"ñ €"}');
  t.deepEqual(JSON.parse(escaped), value);
});

test('returns text without line separators unchanged', (t) => {
  const text = '{"a":"b"}';
  t.is(escapeLineSeparators(text), text);
});
