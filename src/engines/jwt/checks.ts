/**
 * The claim checks of the login pipeline (spec/auth.md 3.5 steps 9 and 11-27, 3.6, 3.7) plus
 * Keep's bound_issuers, issuer-entry audiences and claims_condition. Each reports to a Trace.
 */
import { displayValue, formatValue, getClaim, matchBoundClaim } from './claims.ts';
import type { TrustedIssuer } from './issuers.ts';
import { REASONS, type Failure } from './reasons.ts';
import type { JwtRole } from './role-model.ts';
import type { LoadedRole } from './state.ts';
import { checkTimes, readTimeClaims, type Leeways } from './times.ts';
import type { Trace } from './trace.ts';

const REGISTERED = ['iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti'];

/** Simple case folding of a string (per code point), as Go's strings.EqualFold compares. */
function fold(s: string): string {
  let out = '';
  for (const ch of s) {
    const up = ch.toUpperCase();
    out += [...up].length === 1 ? up.toLowerCase() : ch.toLowerCase();
  }
  return out;
}

function ambiguousClaim(claims: Record<string, unknown>): { key: string; registered: string } | undefined {
  for (const key of Object.keys(claims)) {
    if (REGISTERED.includes(key)) continue;
    const f = fold(key);
    const hit = REGISTERED.find((r) => r === f);
    if (hit) return { key, registered: hit };
  }
  return undefined;
}

/** aud as a list: string -> [string] ('' -> []), array of strings as is; undefined when of another type. */
export function audiences(v: unknown): string[] | undefined {
  if (v === undefined || v === null) return [];
  if (typeof v === 'string') return v === '' ? [] : [v];
  if (Array.isArray(v) && v.every((a) => typeof a === 'string')) return v as string[];
  return undefined;
}

export const tokenError = (cause: string) => `error validating token: ${cause}`;
export const ISSUER_FAILURE: Failure = { code: REASONS.ISSUER, message: tokenError('invalid issuer (iss) claim'), claim: 'iss' };
export const AUDIENCE_FAILURE: Failure = {
  code: REASONS.AUDIENCE,
  message: tokenError('invalid audience (aud) claim: audience claim does not match any expected audience'),
  claim: 'aud',
};

/** Step 9 plus the JSON types of the registered claims. */
export function checkClaimShapes(t: Trace, claims: Record<string, unknown>): void {
  const amb = ambiguousClaim(claims);
  if (amb) {
    t.fail('registered_claims', {
      code: REASONS.AMBIGUOUS_CLAIM,
      message: tokenError(`ambiguous claim: key ${JSON.stringify(amb.key)} collides with registered claim ${JSON.stringify(amb.registered)} under case folding`),
      claim: amb.key,
    });
  }
  for (const name of ['iss', 'sub', 'jti'] as const) {
    const v = claims[name];
    if (v !== undefined && v !== null && typeof v !== 'string') {
      t.fail('registered_claims', { code: REASONS.MALFORMED, message: tokenError(`claim ${JSON.stringify(name)} has an invalid type`), claim: name });
    }
  }
  if (audiences(claims.aud) === undefined) {
    t.fail('registered_claims', { code: REASONS.MALFORMED, message: tokenError('claim "aud" has an invalid type'), claim: 'aud' });
  }
  const times = readTimeClaims(claims);
  if (!times.ok) {
    t.fail('registered_claims', { code: REASONS.MALFORMED, message: tokenError(`claim ${JSON.stringify(times.claim)} has an invalid type`), claim: times.claim });
  }
  if (!amb) t.pass('registered_claims');
}

export function checkIssuerAndAudience(t: Trace, role: JwtRole, claims: Record<string, unknown>, entry: TrustedIssuer | undefined): void {
  const iss = claims.iss;
  if (entry?.boundIssuer) {
    const want = entry.boundIssuer;
    t.check('issuer', iss === want, () => ISSUER_FAILURE, () => ({ claim: 'iss', expected: want, actual: displayValue(iss) }));
  }
  if (role.bound_issuers.length > 0) {
    const ok = typeof iss === 'string' && role.bound_issuers.includes(iss);
    t.check('bound_issuers', ok, () => ISSUER_FAILURE, () => ({ claim: 'iss', expected: role.bound_issuers, actual: displayValue(iss) }));
  }
  if (role.bound_subject !== '') {
    t.check(
      'subject',
      claims.sub === role.bound_subject,
      () => ({ code: REASONS.SUBJECT, message: tokenError('invalid subject (sub) claim'), claim: 'sub' }),
      () => ({ claim: 'sub', expected: role.bound_subject, actual: displayValue(claims.sub) }),
    );
  }
  const aud = audiences(claims.aud) ?? [];
  const bound = role.bound_audiences ?? [];
  if (bound.length > 0) {
    t.check('audience', aud.some((a) => bound.includes(a)), () => AUDIENCE_FAILURE, () => ({ claim: 'aud', expected: bound, actual: aud }));
  }
  if (entry && entry.boundAudiences.length > 0) {
    const want = entry.boundAudiences;
    t.check('issuer_audience', aud.some((a) => want.includes(a)), () => AUDIENCE_FAILURE, () => ({ claim: 'aud', expected: want, actual: aud }));
  }
}

/** Steps 14-17; returns the effective exp. */
export function checkTimeClaims(t: Trace, claims: Record<string, unknown>, leeways: Leeways, nowMs: number): number {
  const read = readTimeClaims(claims);
  const times = read.ok ? read.value : {};
  const now = nowMs / 1000;
  const v = checkTimes(times, now, leeways);
  const nowSec = Math.floor(now);
  if (!v.present) {
    t.fail('time_claims', {
      code: REASONS.NO_TIME_CLAIMS,
      message: tokenError('no issued at (iat), not before (nbf), or expiration time (exp) claims in token'),
    });
    return 0;
  }
  t.check(
    'not_before',
    v.nbfOk,
    () => ({ code: REASONS.NOT_YET_VALID, message: tokenError('invalid not before (nbf) claim: token not yet valid'), claim: 'nbf' }),
    () => ({ claim: 'nbf', expected: `<= now + ${leeways.clockSkew}s (now = ${nowSec})`, actual: v.nbf }),
  );
  t.check(
    'expiration',
    v.expOk,
    () => ({ code: REASONS.EXPIRED, message: tokenError('invalid expiration time (exp) claim: token is expired'), claim: 'exp' }),
    () => ({ claim: 'exp', expected: `>= now - ${leeways.clockSkew}s (now = ${nowSec})`, actual: v.exp }),
  );
  if (times.iat !== undefined) {
    const iat = times.iat;
    t.check(
      'issued_at',
      v.iatOk,
      () => ({ code: REASONS.NOT_YET_VALID, message: tokenError('invalid issued at (iat) claim: token issued in the future'), claim: 'iat' }),
      () => ({ claim: 'iat', expected: `<= now + ${leeways.clockSkew}s (now = ${nowSec})`, actual: iat }),
    );
  }
  return v.exp;
}

/** Steps 25-27 in key order, then claims_condition. */
export function checkBoundClaims(t: Trace, loaded: LoadedRole, claims: Record<string, unknown>, nowMs: number): void {
  const { role, condition, conditionError } = loaded;
  const bound = role.bound_claims ?? {};
  const glob = role.bound_claims_type === 'glob';
  for (const key of Object.keys(bound).sort()) {
    const expected = bound[key];
    const r = matchBoundClaim(claims, key, expected, glob);
    const details = () => ({ claim: key, expected: displayBound(expected), actual: displayValue(getClaim(claims, key)) ?? null });
    const msg = (m: string) => `error validating claims: ${m}`;
    switch (r.kind) {
      case 'ok':
        t.pass('bound_claim', details);
        break;
      case 'missing':
        t.fail('bound_claim', { code: REASONS.CLAIM_MISSING, message: msg(`claim ${JSON.stringify(key)} is missing`), claim: key }, details);
        break;
      case 'mismatch':
        t.fail('bound_claim', { code: REASONS.CLAIM_MISMATCH, message: msg(`claim ${JSON.stringify(key)} does not match any associated bound claim values`), claim: key }, details);
        break;
      case 'bad-actual':
        t.fail('bound_claim', { code: REASONS.CLAIM_TYPE, message: msg(`received claim is not a string, bool, int or list: ${r.text}`), claim: key }, details);
        break;
      // The bound value is never echoed to the client (only explain shows it).
      case 'bad-expected':
        t.fail('bound_claim', { code: REASONS.CLAIM_TYPE, message: msg('bound claim is not a string, bool, int or list'), claim: key }, details);
        break;
      case 'bad-glob':
        t.fail('bound_claim', { code: REASONS.CLAIM_TYPE, message: msg('received claim is not a glob string'), claim: key }, details);
        break;
    }
  }

  if (role.claims_condition === '') return;
  const source = role.claims_condition;
  if (!condition) {
    t.fail('condition', { code: REASONS.CONDITION, message: 'error validating claims: claims_condition could not be evaluated' }, () => ({
      expected: source,
      actual: conditionError ?? 'not compiled',
    }));
    return;
  }
  const r = condition.evaluate(claims, Math.floor(nowMs / 1000));
  if (!r.ok) {
    t.fail('condition', { code: REASONS.CONDITION, message: 'error validating claims: claims_condition could not be evaluated' }, () => ({
      expected: source,
      actual: r.error,
    }));
  } else {
    t.check(
      'condition',
      r.value,
      () => ({ code: REASONS.CONDITION, message: 'error validating claims: claims_condition is not satisfied' }),
      () => ({ expected: source, actual: r.value }),
    );
  }
}

function displayBound(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(displayBound);
  if (v !== null && typeof v === 'object') return formatValue(v);
  return v;
}
