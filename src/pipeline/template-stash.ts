/**
 * Enrichment templates of plain messages this gateway has checked, kept by message text
 * until the message comes back announced with its id: then it is finished on the main
 * thread instead of being parsed and validated a second time in the pool. Identical texts
 * have identical templates, so deliberate repeats share one entry with a count. Bounded by
 * entries and age: a message another replica failed to store never comes back.
 */

interface Entry {
  template: string;
  count: number;
  atMs: number;
}

/** The stash; `now` is injectable for tests. */
export class TemplateStash {
  private readonly entries = new Map<string, Entry>();
  private readonly maxEntries: number;
  private readonly maxAgeMs: number;
  private readonly now: () => number;

  constructor(options: { maxEntries: number; maxAgeMs: number; now?: () => number }) {
    this.maxEntries = options.maxEntries;
    this.maxAgeMs = options.maxAgeMs;
    this.now = options.now ?? Date.now;
  }

  /** Entries held. */
  get size(): number {
    return this.entries.size;
  }

  /** Keeps `template` for one coming announcement of `text`. */
  put(text: string, template: string): void {
    const nowMs = this.now();
    this.forgetOld(nowMs);
    const entry = this.entries.get(text);
    if (entry) {
      entry.count += 1;
      entry.atMs = nowMs;
      // Re-insert so the Map stays ordered oldest first.
      this.entries.delete(text);
      this.entries.set(text, entry);
      return;
    }
    this.entries.set(text, { template, count: 1, atMs: nowMs });
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  /** The template for `text`, used up once; null when this gateway did not check it. */
  take(text: string): string | null {
    const entry = this.entries.get(text);
    if (!entry) return null;
    entry.count -= 1;
    if (entry.count === 0) this.entries.delete(text);
    return entry.template;
  }

  private forgetOld(nowMs: number): void {
    for (const [text, entry] of this.entries) {
      if (nowMs - entry.atMs < this.maxAgeMs) break;
      this.entries.delete(text);
    }
  }
}
