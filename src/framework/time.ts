/**
 * Timestamps as Vault prints them: RFC 3339 in UTC with up to nine fractional digits, trailing
 * zeros trimmed and no dot at all when the fraction is zero (Go's time.RFC3339Nano).
 */

/**
 * `2025-02-03T10:11:12.123456789Z` for a time in ms (fractional ms count as nanoseconds) plus
 * `nanosExtra` nanoseconds (0..999999) below the millisecond.
 */
export function rfc3339Nano(t: number | Date, nanosExtra = 0): string {
  const msFloat = typeof t === 'number' ? t : t.getTime();
  let ms = Math.floor(msFloat);
  let subMsNanos = Math.round((msFloat - ms) * 1e6) + Math.trunc(nanosExtra);
  if (subMsNanos >= 1e6) {
    ms += Math.floor(subMsNanos / 1e6);
    subMsNanos %= 1e6;
  } else if (subMsNanos < 0) {
    subMsNanos = 0;
  }
  const iso = new Date(ms).toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
  const base = iso.slice(0, iso.length - 5);
  const frac = trimZeros(iso.slice(iso.length - 4, iso.length - 1) + (subMsNanos === 0 ? '000000' : String(subMsNanos).padStart(6, '0')));
  return frac === '' ? `${base}Z` : `${base}.${frac}Z`;
}

/** `s` without its trailing '0' characters. */
export function trimZeros(s: string): string {
  let end = s.length;
  while (end > 0 && s.charCodeAt(end - 1) === 48 /* 0 */) end--;
  return end === s.length ? s : s.slice(0, end);
}

/** Unix seconds (floored) of a time in ms or a Date. */
export function unixSeconds(t: number | Date = Date.now()): number {
  const ms = typeof t === 'number' ? t : t.getTime();
  return Math.floor(ms / 1000);
}

/** Go's zero time as Vault prints it (`0001-01-01T00:00:00Z`). */
export const ZERO_TIME = '0001-01-01T00:00:00Z';
