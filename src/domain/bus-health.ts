/** Whether events can flow end to end (docs/contract.md §2.3); what screens see as `bus`. */
export type BusHealth = 'ok' | 'down';
