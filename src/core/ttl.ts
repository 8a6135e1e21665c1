/**
 * Vault's TTL arithmetic (spec/auth.md 1.6, spec/dynamic.md 1.3), one function for tokens and
 * leases. All values are whole seconds; `startMs`/`nowMs` are Unix milliseconds.
 */
import { badRequest } from '../errors.ts';
import { formatShortDuration } from '../framework/duration.ts';

export interface TTLInput {
  /** Requested increment (renew) or 0. */
  increment: number;
  /** Backend/role TTL or 0. */
  backendTTL: number;
  /** Period or 0. */
  period: number;
  /** Backend/role max TTL or 0. */
  backendMaxTTL: number;
  /** Explicit max TTL or 0. */
  explicitMaxTTL: number;
  /** Issue time (Unix ms): the max TTL is measured from here. */
  startMs: number;
  /** Effective mount default and max TTL. */
  mountDefaultTTL: number;
  mountMaxTTL: number;
  nowMs: number;
}

export interface TTLResult {
  ttl: number;
  warnings: string[];
}

export function calcTTL(i: TTLInput): TTLResult {
  const warnings: string[] = [];
  let max = i.mountMaxTTL;
  if (i.backendMaxTTL > 0 && i.backendMaxTTL < max) max = i.backendMaxTTL;
  if (i.explicitMaxTTL > 0 && i.explicitMaxTTL < max) max = i.explicitMaxTTL;

  let ttl: number;
  let limitMs: number | undefined;
  if (i.period > 0) {
    let period = i.period;
    if (period > max) {
      warnings.push(
        `period of "${formatShortDuration(period)}" exceeded the effective max_ttl of "${formatShortDuration(max)}"; period value is capped accordingly`,
      );
      period = max;
    }
    ttl = period;
    if (i.explicitMaxTTL > 0) limitMs = i.startMs + i.explicitMaxTTL * 1000;
  } else {
    ttl = i.increment > 0 ? i.increment : i.backendTTL > 0 ? i.backendTTL : i.mountDefaultTTL;
    limitMs = i.startMs + max * 1000;
  }

  if (limitMs !== undefined) {
    const remaining = Math.floor((limitMs - i.nowMs) / 1000);
    if (remaining <= 0) throw badRequest('past the max TTL, cannot renew');
    if (ttl > remaining) {
      warnings.push(
        `TTL of "${formatShortDuration(ttl)}" exceeded the effective max_ttl of "${formatShortDuration(remaining)}"; TTL value is capped accordingly`,
      );
      ttl = remaining;
    }
  }
  return { ttl, warnings };
}
