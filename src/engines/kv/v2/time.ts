/**
 * KV v2 timestamps: RFC 3339 in UTC with the fraction's trailing zeros trimmed, as Go prints
 * `time.RFC3339Nano` (`2025-02-03T10:11:12.12Z`, `2025-02-03T10:11:12Z`); "no time" is `""`.
 */
import { rfc3339Nano } from '../../../framework/time.ts';

export function rfc3339(ms: number): string {
  return rfc3339Nano(ms);
}

/**
 * True when `stamp` is set and not after `nowMs`. (Vault compares with nanoseconds; with
 * millisecond clocks a version deleted "now" must already count as deleted within that ms.)
 */
export function isPast(stamp: string, nowMs: number): boolean {
  return stamp !== '' && Date.parse(stamp) <= nowMs;
}
