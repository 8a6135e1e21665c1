/**
 * KV version 1 (spec/core.md 4.1): unversioned secrets stored under `v1/<key>` of the mount's
 * storage. Reads report `lease_duration` from the stored `ttl` (else legacy `lease`) field, else
 * the mount's default lease TTL; no lease is ever registered.
 */
import { parseDuration } from '../../framework/duration.ts';
import type { PathDef, RequestContext } from '../../framework/types.ts';
import { numberText } from './json-values.ts';
import { passthroughPaths } from './passthrough.ts';

/** Storage prefix of KV v1 data inside the mount's view. */
export const V1_PREFIX = 'v1/';

/**
 * Seconds from a stored `ttl`/`lease` value: a duration string or a JSON number read through its
 * literal text; undefined when it does not parse (the caller then uses the mount default).
 */
export function storedTTL(value: unknown): number | undefined {
  let text: string | undefined;
  if (typeof value === 'string') text = value;
  else text = numberText(value);
  if (text === undefined) return undefined;
  try {
    const seconds = parseDuration(text);
    return Number.isFinite(seconds) && seconds >= 0 ? seconds : undefined;
  } catch {
    return undefined;
  }
}

function leaseDuration(data: Record<string, unknown>, ctx: RequestContext): number {
  const fallback = ctx.mount.defaultLeaseTTL();
  let raw: unknown;
  if (Object.prototype.hasOwnProperty.call(data, 'ttl')) raw = data.ttl;
  else if (Object.prototype.hasOwnProperty.call(data, 'lease')) raw = data.lease;
  else return fallback;
  return storedTTL(raw) ?? fallback;
}

export function kvV1Paths(): PathDef[] {
  return passthroughPaths({
    view: (ctx) => ctx.storage.sub(V1_PREFIX),
    leaseDuration,
    synopsis: 'Pass-through secret storage: read and write arbitrary data.',
  });
}
