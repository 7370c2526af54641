/**
 * Reads producer timestamps as plant local time and writes them as ISO 8601 with the plant's
 * UTC offset (docs/contract.md §1 `timestamp`, §2 `spoolcast.timestamp`). Pure: offsets come from
 * Intl (Node ships full ICU), no tz library.
 */

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** Per-zone bound on cached offsets; real-time traffic touches a handful of minutes. */
const MAX_CACHED_MINUTES = 4096;

/** ISO 8601 / RFC 3339 date-time; seconds, fraction and offset optional (`T` or space). */
const ISO =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;
const OFFSET = /^([+-])(\d{2}):?(\d{2})?$/;

interface ZoneClock {
  formatter: Intl.DateTimeFormat;
  /** UTC minute number → offset in ms, only for minutes with no transition inside. */
  offsetByMinute: Map<number, number>;
  lastInput: string | undefined;
  lastOutput: string | null;
}

const clocks = new Map<string, ZoneClock>();

/** The plant clock when nothing else is said (`PLANT_TIME_ZONE`'s default). */
export const DEFAULT_PLANT_TIME_ZONE = 'America/Santiago';

/** Whether `timeZone` is an IANA zone this runtime knows (for config validation). */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    clockFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/**
 * Producer `timestamp` → ISO 8601 with the plant's offset, or null when unreadable.
 * `DD-MM-YYYY HH:MM:SS` and offset-less ISO are plant local time (ambiguous times take the
 * earlier instant, skipped times move forward by the gap: Temporal's "compatible" rule);
 * ISO with `Z` or an offset keeps its instant. Default zone `DEFAULT_PLANT_TIME_ZONE`.
 * Throws RangeError only for an unknown `timeZone` (a config error, not bad data).
 */
export function toPlantIso(timestamp: string, timeZone = DEFAULT_PLANT_TIME_ZONE): string | null {
  const clock = clockFor(timeZone);
  // Events arrive in bursts stamped with the same second: remember the last answer.
  if (timestamp === clock.lastInput) return clock.lastOutput;
  const output = readTimestamp(clock, timestamp);
  clock.lastInput = timestamp;
  clock.lastOutput = output;
  return output;
}

function readTimestamp(clock: ZoneClock, timestamp: string): string | null {
  if (isDayFirst(timestamp)) {
    const localMs = toLocalMs(
      readDigits(timestamp, 6, 4),
      readDigits(timestamp, 3, 2),
      readDigits(timestamp, 0, 2),
      readDigits(timestamp, 11, 2),
      readDigits(timestamp, 14, 2),
      readDigits(timestamp, 17, 2),
      0,
    );
    return localMs === null ? null : formatInZone(clock, resolveLocal(clock, localMs), false);
  }
  const iso = ISO.exec(timestamp);
  if (!iso) return null;
  const fraction = iso[7];
  const offset = iso[8];
  const millis = fraction === undefined ? 0 : Number(fraction.slice(0, 3).padEnd(3, '0'));
  const localMs = toLocalMs(
    Number(iso[1]),
    Number(iso[2]),
    Number(iso[3]),
    Number(iso[4]),
    Number(iso[5]),
    Number(iso[6] ?? '0'),
    millis,
  );
  if (localMs === null) return null;
  const hasFraction = fraction !== undefined;
  if (offset === undefined) return formatInZone(clock, resolveLocal(clock, localMs), hasFraction);
  const offsetMs = parseOffsetMs(offset);
  return offsetMs === null ? null : formatInZone(clock, localMs - offsetMs, hasFraction);
}

/**
 * `DD-MM-YYYY HH:MM:SS`, the Python backend's format, checked by hand: it is the hot path
 * and a regex with six captures costs more than the rest of the conversion.
 */
function isDayFirst(text: string): boolean {
  return (
    text.length === 19 &&
    text.charCodeAt(2) === 0x2d &&
    text.charCodeAt(5) === 0x2d &&
    text.charCodeAt(10) === 0x20 &&
    text.charCodeAt(13) === 0x3a &&
    text.charCodeAt(16) === 0x3a
  );
}

/** The decimal number in `text[start, start + count)`, or -1 if any character is not a digit. */
function readDigits(text: string, start: number, count: number): number {
  let value = 0;
  for (let i = start; i < start + count; i++) {
    const digit = text.charCodeAt(i) - 0x30;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

function clockFor(timeZone: string): ZoneClock {
  let clock = clocks.get(timeZone);
  if (clock === undefined) {
    clock = {
      // h23: the default hour cycle of some locales prints midnight as 24.
      formatter: new Intl.DateTimeFormat('en-US', {
        timeZone,
        era: 'short',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
        hourCycle: 'h23',
      }),
      offsetByMinute: new Map(),
      lastInput: undefined,
      lastOutput: null,
    };
    clocks.set(timeZone, clock);
  }
  return clock;
}

/** Wall-clock fields → ms since epoch as if the wall clock were UTC; null when out of range. */
function toLocalMs(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  millis: number,
): number | null {
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    return null;
  }
  // readDigits gives -1 for a non-digit, so the lower bounds matter too.
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) {
    return null;
  }
  return (
    daysFromCivil(year, month, day) * DAY_MS +
    hour * 3_600_000 +
    minute * MINUTE_MS +
    second * 1000 +
    millis
  );
}

function parseOffsetMs(text: string): number | null {
  if (text === 'Z' || text === 'z') return 0;
  const match = OFFSET.exec(text);
  if (!match) return null;
  const hours = Number(match[2]);
  const minutes = Number(match[3] ?? '0');
  if (hours > 23 || minutes > 59) return null;
  const sign = match[1] === '-' ? -1 : 1;
  return sign * (hours * 3_600_000 + minutes * MINUTE_MS);
}

/**
 * Local wall-clock ms → epoch ms, Temporal "compatible" disambiguation. Assumes at most one
 * transition within a day either side, as Temporal's own algorithm does.
 */
function resolveLocal(clock: ZoneClock, localMs: number): number {
  const offsetBefore = offsetAt(clock, localMs - DAY_MS);
  const offsetAfter = offsetAt(clock, localMs + DAY_MS);
  const earlier = localMs - offsetBefore;
  const later = localMs - offsetAfter;
  const isEarlierReal = offsetAt(clock, earlier) === offsetBefore;
  const isLaterReal = offsetAt(clock, later) === offsetAfter;
  // Fold (DST end): both are real; the first occurrence is the smaller instant.
  if (isEarlierReal && isLaterReal) return Math.min(earlier, later);
  if (isEarlierReal) return earlier;
  if (isLaterReal) return later;
  // Gap (DST start): read with the pre-transition offset, which lands after the gap.
  return earlier;
}

/** Offset (local − UTC) in ms at an instant, memoised per UTC minute. */
function offsetAt(clock: ZoneClock, epochMs: number): number {
  const minute = Math.floor(epochMs / MINUTE_MS);
  const cached = clock.offsetByMinute.get(minute);
  if (cached !== undefined) return cached;
  const start = minute * MINUTE_MS;
  const offset = computeOffset(clock.formatter, start);
  // Old LMT transitions fall mid-minute; only cache a minute whose ends agree.
  if (computeOffset(clock.formatter, start + MINUTE_MS - 1) !== offset) {
    return computeOffset(clock.formatter, epochMs);
  }
  if (clock.offsetByMinute.size >= MAX_CACHED_MINUTES) clock.offsetByMinute.clear();
  clock.offsetByMinute.set(minute, offset);
  return offset;
}

function computeOffset(formatter: Intl.DateTimeFormat, epochMs: number): number {
  let year = 0;
  let month = 0;
  let day = 0;
  let hour = 0;
  let minute = 0;
  let second = 0;
  let isBeforeCommonEra = false;
  for (const part of formatter.formatToParts(epochMs)) {
    switch (part.type) {
      case 'year':
        year = Number(part.value);
        break;
      case 'month':
        month = Number(part.value);
        break;
      case 'day':
        day = Number(part.value);
        break;
      case 'hour':
        hour = Number(part.value);
        break;
      case 'minute':
        minute = Number(part.value);
        break;
      case 'second':
        second = Number(part.value);
        break;
      case 'era':
        isBeforeCommonEra = part.value === 'BC' || part.value === 'B';
        break;
      default:
        break;
    }
  }
  if (isBeforeCommonEra) year = 1 - year;
  const localMs =
    daysFromCivil(year, month, day) * DAY_MS +
    hour * 3_600_000 +
    minute * MINUTE_MS +
    second * 1000;
  // The formatter has whole seconds; compare against the instant truncated the same way.
  return localMs - (epochMs - mod(epochMs, 1000));
}

/** Wall-clock fields of an instant in the plant's zone, with the offset in force. */
function localFields(clock: ZoneClock, epochMs: number) {
  const offsetMs = offsetAt(clock, epochMs);
  const localMs = epochMs + offsetMs;
  const days = Math.floor(localMs / DAY_MS);
  const msOfDay = localMs - days * DAY_MS;
  const [year, month, day] = civilFromDays(days);
  return {
    offsetMs,
    msOfDay,
    date: `${String(year).padStart(4, '0')}-${pad2(month)}-${pad2(day)}`,
    year,
    month,
    day,
    time: `${pad2(Math.floor(msOfDay / 3_600_000))}:${pad2(Math.floor(msOfDay / MINUTE_MS) % 60)}:${pad2(Math.floor(msOfDay / 1000) % 60)}`,
  };
}

function formatInZone(clock: ZoneClock, epochMs: number, hasMillis: boolean): string {
  const local = localFields(clock, epochMs);
  const millis = hasMillis ? `.${String(local.msOfDay % 1000).padStart(3, '0')}` : '';
  return `${local.date}T${local.time}${millis}${formatOffset(local.offsetMs)}`;
}

/**
 * An instant as the plant's wall clock in the Python backend's format,
 * `DD-MM-YYYY HH:MM:SS` (`DEFAULT_PLANT_TIME_ZONE` by default). Throws RangeError for an unknown zone.
 */
export function formatPlantTimestamp(date: Date, timeZone = DEFAULT_PLANT_TIME_ZONE): string {
  const local = localFields(clockFor(timeZone), date.getTime());
  return `${pad2(local.day)}-${pad2(local.month)}-${String(local.year).padStart(4, '0')} ${local.time}`;
}

function formatOffset(offsetMs: number): string {
  const sign = offsetMs < 0 ? '-' : '+';
  const totalSeconds = Math.abs(offsetMs) / 1000;
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  // Local mean time offsets (before ~1900) have seconds; print them rather than round the instant.
  const tail = seconds === 0 ? '' : `:${pad2(seconds)}`;
  return `${sign}${pad2(hours)}:${pad2(minutes)}${tail}`;
}

function pad2(value: number): string {
  return value < 10 ? `0${value}` : String(value);
}

function mod(value: number, divisor: number): number {
  return ((value % divisor) + divisor) % divisor;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Days since 1970-01-01 in the proleptic Gregorian calendar (H. Hinnant's algorithm). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra =
    yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

/** Inverse of daysFromCivil: [year, month, day]. */
function civilFromDays(days: number): [number, number, number] {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra -
      Math.floor(dayOfEra / 1460) +
      Math.floor(dayOfEra / 36_524) -
      Math.floor(dayOfEra / 146_096)) /
      365,
  );
  const dayOfYear =
    dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthIndex = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * monthIndex + 2) / 5) + 1;
  const month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9;
  return [yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day];
}
