/**
 * Checks and rewrites on JSON *text* that JSON.parse cannot do for us. Pure; no IO.
 * - JSON.parse keeps the last of two equal keys, while other parsers keep the first, so a
 *   message with a duplicate key can mean two different events (docs/contract.md §1).
 * - U+2028, U+2029 and U+0085 are legal raw inside JSON strings but some SSE and
 *   JavaScript line readers split on them; escaping them keeps the same JSON value.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;

/**
 * The first key that appears twice in one object of `text`, or null. `text` must already
 * be valid JSON (JSON.parse accepted it); keys are compared after unescaping, so `"a"` and
 * `"\u0061"` are the same key. Iterative, so any nesting depth is safe.
 */
export function findDuplicateKey(text: string): string | null {
  // One entry per open container: the keys seen so far, or null for an array.
  const stack: (Set<string> | null)[] = [];
  let isKeyNext = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const end = closingQuote(text, i);
      const keys = stack.at(-1);
      if (isKeyNext && keys) {
        const body = text.slice(i + 1, end);
        const key = body.includes('\\') ? (JSON.parse(text.slice(i, end + 1)) as string) : body;
        if (keys.has(key)) return key;
        keys.add(key);
        isKeyNext = false;
      }
      i = end;
    } else if (c === OPEN_OBJECT) {
      stack.push(new Set());
      isKeyNext = true;
    } else if (c === OPEN_ARRAY) {
      stack.push(null);
      isKeyNext = false;
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      stack.pop();
      isKeyNext = false;
    } else if (c === COMMA) {
      isKeyNext = stack.at(-1) != null;
    }
  }
  return null;
}

/** Index of the quote that closes the string opening at `start` (valid JSON assumed). */
function closingQuote(text: string, start: number): number {
  let at = start + 1;
  for (;;) {
    const quote = text.indexOf('"', at);
    if (quote < 0) return text.length;
    let slashes = 0;
    while (text.charCodeAt(quote - 1 - slashes) === BACKSLASH) slashes += 1;
    if (slashes % 2 === 0) return quote;
    at = quote + 1;
  }
}

const LINE_SEPARATORS = /[\u0085\u2028\u2029]/g;
const ESCAPES: Readonly<Record<string, string>> = {
  '\u0085': '\\u0085',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

/**
 * JSON text with U+0085, U+2028 and U+2029 written as `\u` escapes: the same JSON value,
 * but no character a line-splitting reader could take for a line break. These characters
 * can only stand inside JSON strings, where an escape means the same thing.
 */
export function escapeLineSeparators(json: string): string {
  LINE_SEPARATORS.lastIndex = 0;
  if (!LINE_SEPARATORS.test(json)) return json;
  return json.replace(LINE_SEPARATORS, (ch) => ESCAPES[ch] as string);
}
