/** One line for a failed network call, with the cause fetch hides and no URL password. Pure. */
import { redactSecrets } from '../observability/redact.js';

/** `error` as one line: its code or message, and its cause's (fetch wraps ECONNREFUSED in a TypeError). */
export function describeError(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 3 && current; depth++) {
    const { code, message } = current as { code?: unknown; message?: unknown };
    const text = typeof message === 'string' && message !== '' ? message : String(current);
    parts.push(typeof code === 'string' && !text.includes(code) ? `${code}: ${text}` : text);
    current = (current as { cause?: unknown }).cause;
  }
  return redactSecrets(parts.join(': '));
}
