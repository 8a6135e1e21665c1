/**
 * Time claims and leeways (spec/auth.md 3.6). Leeways: 0 means the default (clock skew 60 s,
 * expiration and not-before 150 s), a negative value means none. The expiration and not-before
 * leeways only fill in a *missing* exp or nbf; a present exp gets only the clock skew. A time
 * claim that is missing, null or 0 counts as absent. Boundaries are inclusive.
 */
export const DEFAULT_CLOCK_SKEW = 60;
export const DEFAULT_EXPIRATION_LEEWAY = 150;
export const DEFAULT_NOT_BEFORE_LEEWAY = 150;

export interface Leeways {
  clockSkew: number;
  expiration: number;
  notBefore: number;
}

function effective(stored: number, dflt: number): number {
  if (stored === 0) return dflt;
  return stored < 0 ? 0 : stored;
}

export function effectiveLeeways(role: { clock_skew_leeway: number; expiration_leeway: number; not_before_leeway: number }): Leeways {
  return {
    clockSkew: effective(role.clock_skew_leeway, DEFAULT_CLOCK_SKEW),
    expiration: effective(role.expiration_leeway, DEFAULT_EXPIRATION_LEEWAY),
    notBefore: effective(role.not_before_leeway, DEFAULT_NOT_BEFORE_LEEWAY),
  };
}

export interface TimeClaims {
  iat?: number;
  nbf?: number;
  exp?: number;
}

export type TimeClaimsRead = { ok: true; value: TimeClaims } | { ok: false; claim: 'iat' | 'nbf' | 'exp' };

/** Reads iat/nbf/exp as whole seconds; a non-number is an error naming the claim. */
export function readTimeClaims(claims: Record<string, unknown>): TimeClaimsRead {
  const value: TimeClaims = {};
  for (const name of ['iat', 'nbf', 'exp'] as const) {
    const v = Object.prototype.hasOwnProperty.call(claims, name) ? claims[name] : undefined;
    if (v === undefined || v === null) continue;
    if (typeof v !== 'number' || !Number.isFinite(v)) return { ok: false, claim: name };
    const t = Math.trunc(v);
    if (t !== 0) value[name] = t;
  }
  return { ok: true, value };
}

export interface TimeVerdict {
  /** False when none of iat, nbf, exp is present (nothing else is meaningful then). */
  present: boolean;
  /** exp, or max(iat, nbf) + expiration leeway when absent. */
  exp: number;
  /** nbf, or iat, or exp - not-before leeway. */
  nbf: number;
  nbfOk: boolean;
  expOk: boolean;
  iatOk: boolean;
}

export function checkTimes(t: TimeClaims, nowSeconds: number, l: Leeways): TimeVerdict {
  if (t.iat === undefined && t.nbf === undefined && t.exp === undefined) {
    return { present: false, exp: 0, nbf: 0, nbfOk: false, expOk: false, iatOk: false };
  }
  const exp = t.exp ?? Math.max(t.iat ?? 0, t.nbf ?? 0) + l.expiration;
  const nbf = t.nbf ?? (t.iat !== undefined ? t.iat : exp - l.notBefore);
  const cs = l.clockSkew;
  return {
    present: true,
    exp,
    nbf,
    nbfOk: !(nowSeconds + cs < nbf),
    expOk: !(nowSeconds - cs > exp),
    iatOk: t.iat === undefined || !(nowSeconds + cs < t.iat),
  };
}
