/**
 * A value and the listeners that want to hear when it changes: the shape React's
 * `useSyncExternalStore` reads (`getState`, `subscribe`). Shared by the single-tab stream
 * and the tab-shared one, so both notify the same way.
 */
export class StateStore<T> {
  private current: T;
  private readonly listeners = new Set<() => void>();

  constructor(initial: T) {
    this.current = initial;
  }

  /** The current value (the same object until it is replaced). */
  get(): T {
    return this.current;
  }

  /** Replaces the value without telling anyone yet (see `notify`). */
  replace(next: T): void {
    this.current = next;
  }

  /** Replaces the value and tells every listener. */
  set(next: T): void {
    this.current = next;
    this.notify();
  }

  /** Tells every listener that the value changed. */
  notify(): void {
    for (const listener of this.listeners) listener();
  }

  /** Calls `listener` after every change; returns the remover. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Forgets every listener. */
  clear(): void {
    this.listeners.clear();
  }
}
