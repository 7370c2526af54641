/**
 * `SSE_MAX_CLIENTS_PER_IP`: how many streams one client address may hold open. Off by
 * default: plant tablets often share one NAT address. A slot is taken when a stream opens
 * and given back when it closes.
 */

/** Open streams per address, up to `max` each (0 = unlimited). */
export class AddressSlots {
  private readonly open = new Map<string, number>();
  private readonly max: number;

  constructor(max: number) {
    this.max = max;
  }

  /** Takes a slot for `address`: the function that gives it back, or null when full. */
  acquire(address: string): (() => void) | null {
    if (this.max === 0) return () => undefined;
    const count = this.open.get(address) ?? 0;
    if (count >= this.max) return null;
    this.open.set(address, count + 1);
    let isReleased = false;
    return () => {
      if (isReleased) return;
      isReleased = true;
      const left = (this.open.get(address) ?? 1) - 1;
      if (left <= 0) this.open.delete(address);
      else this.open.set(address, left);
    };
  }

  /** Addresses holding at least one slot. */
  get size(): number {
    return this.open.size;
  }
}
