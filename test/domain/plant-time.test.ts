import test from 'ava';
import { formatPlantTimestamp, isValidTimeZone, toPlantIso } from '../../src/domain/plant-time.js';

// Offsets below were read from Node's Intl (ICU 78.2, tzdata 2025c) for America/Santiago:
// DST ends 2026-04-05T03:00Z (00:00 -03 → 23:00 -04 on April 4), DST starts
// 2026-09-06T04:00Z (00:00 -04 → 01:00 -03).

test('reads DD-MM-YYYY HH:MM:SS as plant local time in summer (-03:00)', (t) => {
  t.is(toPlantIso('27-11-2026 14:30:05'), '2026-11-27T14:30:05-03:00');
});

test('reads a winter date with the -04:00 offset', (t) => {
  t.is(toPlantIso('15-07-2026 10:00:00'), '2026-07-15T10:00:00-04:00');
});

test('takes the first occurrence of the hour repeated when DST ends', (t) => {
  t.is(toPlantIso('04-04-2026 23:30:00'), '2026-04-04T23:30:00-03:00');
});

test('uses the winter offset right after DST ends', (t) => {
  t.is(toPlantIso('05-04-2026 00:00:00'), '2026-04-05T00:00:00-04:00');
});

test('keeps the instant of an ISO time in the second occurrence of the repeated hour', (t) => {
  t.is(toPlantIso('2026-04-05T03:30:00Z'), '2026-04-04T23:30:00-04:00');
});

test('moves a local time skipped when DST starts forward by the gap', (t) => {
  t.is(toPlantIso('06-09-2026 00:30:00'), '2026-09-06T01:30:00-03:00');
});

test('reads the last second before DST starts with the winter offset', (t) => {
  t.is(toPlantIso('05-09-2026 23:59:59'), '2026-09-05T23:59:59-04:00');
});

test('expresses ISO with Z in the plant offset', (t) => {
  t.is(toPlantIso('2026-11-27T17:30:05Z'), '2026-11-27T14:30:05-03:00');
});

test('keeps milliseconds given in ISO input', (t) => {
  t.is(toPlantIso('2026-11-27T17:30:05.123Z'), '2026-11-27T14:30:05.123-03:00');
});

test('expresses ISO with another offset in the plant offset', (t) => {
  t.is(toPlantIso('2026-11-27T19:30:05+02:00'), '2026-11-27T14:30:05-03:00');
});

test('reads ISO without an offset as plant local time', (t) => {
  t.is(toPlantIso('2026-07-15T10:00:00'), '2026-07-15T10:00:00-04:00');
});

test('uses the zone it is given', (t) => {
  t.is(toPlantIso('2026-11-27T14:30:05', 'Asia/Kolkata'), '2026-11-27T14:30:05+05:30');
});

test('returns null for text that is not a timestamp', (t) => {
  for (const text of ['', 'ayer', '27/11/2026 14:30:05', '2026-11-27', '27-11-2026 14:30']) {
    t.is(toPlantIso(text), null, text);
  }
});

test('returns null for a day the month does not have', (t) => {
  t.is(toPlantIso('31-02-2026 10:00:00'), null);
});

test('returns null for out-of-range time fields', (t) => {
  for (const text of ['27-13-2026 10:00:00', '27-11-2026 24:00:00', '2026-11-27T14:60:00Z']) {
    t.is(toPlantIso(text), null, text);
  }
});

test('returns null for an out-of-range offset', (t) => {
  t.is(toPlantIso('2026-11-27T14:30:05+24:00'), null);
});

test('tells known time zones from unknown ones', (t) => {
  t.true(isValidTimeZone('America/Santiago'));
  t.false(isValidTimeZone('America/Nowhere'));
});

test('formatPlantTimestamp writes the plant wall clock as the Python backend does, across offsets', (t) => {
  t.is(formatPlantTimestamp(new Date('2026-11-27T17:30:05Z')), '27-11-2026 14:30:05');
  t.is(formatPlantTimestamp(new Date('2026-07-15T14:00:00Z')), '15-07-2026 10:00:00');
  // The repeated hour at DST end: the later instant reads 23:30 again, at -04:00.
  t.is(formatPlantTimestamp(new Date('2026-04-05T03:30:00Z')), '04-04-2026 23:30:00');
  t.is(formatPlantTimestamp(new Date('2026-01-01T00:00:00Z'), 'UTC'), '01-01-2026 00:00:00');
});
