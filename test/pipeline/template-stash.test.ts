import test from 'ava';
import { TemplateStash } from '../../src/pipeline/template-stash.js';

test('a template is used once per time its text was checked', (t) => {
  const stash = new TemplateStash({ maxEntries: 10, maxAgeMs: 1000, now: () => 0 });
  stash.put('a', 'A');
  stash.put('a', 'A');
  t.is(stash.take('a'), 'A');
  t.is(stash.take('a'), 'A');
  t.is(stash.take('a'), null);
  t.is(stash.size, 0);
});

test('old entries and entries over the cap are forgotten', (t) => {
  let nowMs = 0;
  const stash = new TemplateStash({ maxEntries: 2, maxAgeMs: 1000, now: () => nowMs });
  stash.put('a', 'A');
  stash.put('b', 'B');
  stash.put('c', 'C');
  t.is(stash.take('a'), null, 'over the cap: the oldest went');
  nowMs = 5000;
  stash.put('d', 'D');
  t.is(stash.take('b'), null, 'too old');
  t.is(stash.take('d'), 'D');
});
