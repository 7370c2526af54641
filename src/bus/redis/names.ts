/**
 * Every key and internal channel spoolcast owns under `REDIS_KEY_PREFIX`, and the format of
 * what it writes there. Stored events are format 2: the stream entry holds the prepared
 * event (`e`, the outgoing JSON with a gap for the id) and its meta (`m`), and the
 * announcement is `<id>\n<meta>\n<template>`. The format-1 keys (`events`, `announce`,
 * `epoch`, `claim:`, whose entries held the producer's text) are never read: a gateway of
 * this version starts a history of its own beside them, and a screen resuming with a
 * format-1 id resyncs once (docs/contract.md, "Upgrading"). The spool state, idempotency
 * keys and dead letters keep their format and are shared.
 */

/** Names spoolcast owns under `REDIS_KEY_PREFIX`. */
export interface RedisNames {
  events: string;
  announce: string;
  epoch: string;
  claimPrefix: string;
  state: string;
  deadLetters: string;
  idempotencyPrefix: string;
}

/** Derives every key and internal channel from the prefix. */
export function redisNames(keyPrefix: string): RedisNames {
  return {
    events: `${keyPrefix}v2:events`,
    announce: `${keyPrefix}v2:announce`,
    epoch: `${keyPrefix}v2:epoch`,
    claimPrefix: `${keyPrefix}v2:claim:`,
    state: `${keyPrefix}state`,
    deadLetters: `${keyPrefix}deadletters`,
    idempotencyPrefix: `${keyPrefix}idem:`,
  };
}

/** Stream entry field names of a stored event. */
export const FIELD_TEMPLATE = 'e';
export const FIELD_META = 'm';

/** One stored record as read back: its id, meta and template text (unchecked). */
export interface StoredRecord {
  id: string;
  meta: string;
  template: string;
}

/** Splits an announcement `<id>\n<meta>\n<template>`; null when it is not one. */
export function parseAnnouncement(message: string): StoredRecord | null {
  const first = message.indexOf('\n');
  if (first <= 0) return null;
  const second = message.indexOf('\n', first + 1);
  if (second < 0) return null;
  return {
    id: message.slice(0, first),
    meta: message.slice(first + 1, second),
    template: message.slice(second + 1),
  };
}

/** The fields of one XRANGE row (`[name, value, name, value, …]`) as a record. */
export function recordOfRow(id: string, fields: readonly string[]): StoredRecord {
  const field = (name: string) => {
    const at = fields.indexOf(name);
    return at >= 0 && at % 2 === 0 ? (fields[at + 1] ?? '') : '';
  };
  return { id, meta: field(FIELD_META), template: field(FIELD_TEMPLATE) };
}
