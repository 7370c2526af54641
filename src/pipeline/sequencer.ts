/**
 * Keeps publish order although pool threads finish out of order: each batch reserves a
 * ticket when it is received, and results are released strictly in ticket order.
 */

/** Releases values in the order their tickets were taken. */
export interface Sequencer<T> {
  /** Takes the next ticket (call in receive order). */
  reserve(): number;
  /** Completes a ticket; releases it and every completed ticket after it that is now due. */
  complete(ticket: number, value: T): void;
  /** Tickets taken but not yet released. */
  readonly pending: number;
}

/** Creates a sequencer that calls `release` in ticket order. */
export function createSequencer<T>(release: (value: T) => void): Sequencer<T> {
  let nextTicket = 0;
  let nextToRelease = 0;
  const done = new Map<number, T>();
  return {
    reserve: () => nextTicket++,
    complete(ticket, value) {
      done.set(ticket, value);
      while (done.has(nextToRelease)) {
        const ready = done.get(nextToRelease) as T;
        done.delete(nextToRelease);
        nextToRelease += 1;
        release(ready);
      }
    },
    get pending() {
      return nextTicket - nextToRelease;
    },
  };
}
