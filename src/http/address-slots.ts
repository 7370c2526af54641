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

  /** True when there is a limit (slots must be taken and given back). */
  get isLimited(): boolean {
    return this.max > 0;
  }

  /** True when `address` could take a slot now (a probe: nothing is taken). */
  hasSlot(address: string): boolean {
    return this.max === 0 || (this.open.get(address) ?? 0) < this.max;
  }

  /** Takes a slot for `address`; false when it holds all it may. */
  acquire(address: string): boolean {
    if (this.max === 0) return true;
    const count = this.open.get(address) ?? 0;
    if (count >= this.max) return false;
    this.open.set(address, count + 1);
    return true;
  }

  /** Gives back a slot `acquire` took for `address`. */
  release(address: string): void {
    if (this.max === 0) return;
    const left = (this.open.get(address) ?? 1) - 1;
    if (left <= 0) this.open.delete(address);
    else this.open.set(address, left);
  }

  /** Addresses holding at least one slot. */
  get size(): number {
    return this.open.size;
  }
}
