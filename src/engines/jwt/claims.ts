/**
 * Claim lookup and bound-claims matching (spec/auth.md 3.7), with Vault's typing rules:
 * - a key starting with `/` is an RFC 6901 JSON pointer, any other key a literal top-level name
 *   (dots and slashes are not special: `oidc.circleci.com/vcs-ref`);
 * - a claim that is a single JSON number is truncated to an integer and compared by its text with
 *   bound numbers (which keep their literal text: bound `3` matches 3.9, bound `3.0` nothing);
 *   numbers inside array claims never match; strings, numbers and bools never equal each other;
 * - scalars and lists are both lists (any expected element equals any actual element);
 * - glob mode: `*` is the only metacharacter and crosses `/`.
 */
import { goFormat, goTypeName } from '../../framework/go-values.ts';
import { isLosslessNumber, numberLiteral } from '../../framework/json.ts';

/** A scalar number claim after Vault's truncation (Go's json.Number of int(v)). */
export class ClaimNumber {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

const INT64_MIN_TEXT = '-9223372036854775808';

function truncate(v: number): ClaimNumber | undefined {
  if (!Number.isFinite(v)) return undefined;
  const t = Math.trunc(v);
  if (Math.abs(t) >= 2 ** 63) return new ClaimNumber(INT64_MIN_TEXT);
  return new ClaimNumber(BigInt(t).toString());
}

export function hasOwn(obj: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(obj, key);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof ClaimNumber) && !isLosslessNumber(v);
}

/** RFC 6901 pointer (starting with `/`) into a claim set; undefined when unresolvable. */
export function resolvePointer(root: unknown, pointer: string): unknown {
  const parts = pointer
    .slice(1)
    .split('/')
    .map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'));
  let cur: unknown = root;
  for (const part of parts) {
    if (Array.isArray(cur)) {
      if (!/^(0|[1-9]\d*)$/.test(part)) return undefined;
      const i = Number(part);
      if (i >= cur.length) return undefined;
      cur = cur[i];
    } else if (isObject(cur)) {
      if (!hasOwn(cur, part)) return undefined;
      cur = cur[part];
    } else {
      return undefined;
    }
  }
  return cur;
}

/**
 * A claim by the pointer rule, with a scalar number truncated to a ClaimNumber. null and
 * unresolvable pointers are undefined (missing).
 */
export function getClaim(claims: Record<string, unknown>, key: string): unknown {
  let v: unknown;
  if (key.startsWith('/')) v = resolvePointer(claims, key);
  else v = hasOwn(claims, key) ? claims[key] : undefined;
  if (v === null) return undefined;
  if (typeof v === 'number') return truncate(v) ?? v;
  return v;
}

/** A top-level claim by its literal name (null = missing). */
export function literalClaim(claims: Record<string, unknown>, key: string): unknown {
  const v = hasOwn(claims, key) ? claims[key] : undefined;
  return v === null ? undefined : v;
}

/** Vault's normalizeList: scalars (string, bool, number) become one-element lists; others fail. */
export function normalizeList(v: unknown): unknown[] | undefined {
  if (Array.isArray(v)) return v;
  if (typeof v === 'string' || typeof v === 'boolean' || v instanceof ClaimNumber) return [v];
  if (typeof v === 'number' || isLosslessNumber(v)) return [v];
  return undefined;
}

/** Go's %v of a claim value (ClaimNumbers print their text). */
export function formatValue(v: unknown): string {
  if (v instanceof ClaimNumber) return v.text;
  if (Array.isArray(v)) return `[${v.map(formatValue).join(' ')}]`;
  return goFormat(v);
}

/** Equality of one bound value and one claim value under Vault's type rules. */
function equal(expected: unknown, actual: unknown): boolean {
  if (typeof expected === 'string') return typeof actual === 'string' && expected === actual;
  if (typeof expected === 'boolean') return typeof actual === 'boolean' && expected === actual;
  const lit = numberLiteral(expected);
  if (lit !== undefined) return actual instanceof ClaimNumber && actual.text === lit;
  return false;
}

/** ryanuber/go-glob: `*` matches any run (incl. empty and `/`); no other metacharacters. */
export function globMatch(pattern: string, subject: string): boolean {
  if (pattern === '') return subject === '';
  if (pattern === '*') return true;
  const parts = pattern.split('*');
  if (parts.length === 1) return pattern === subject;
  const first = parts[0];
  const last = parts[parts.length - 1];
  if (!subject.startsWith(first)) return false;
  let pos = first.length;
  for (let i = 1; i < parts.length - 1; i++) {
    const idx = subject.indexOf(parts[i], pos);
    if (idx < 0) return false;
    pos = idx + parts[i].length;
  }
  return subject.length - pos >= last.length && subject.endsWith(last);
}

/** True when the glob matches every string (only `*` characters). */
export function globMatchesEverything(pattern: string): boolean {
  return pattern.length > 0 && /^\*+$/.test(pattern);
}

export type MatchResult =
  | { kind: 'ok' }
  | { kind: 'missing' }
  | { kind: 'mismatch' }
  /** The claim is a JSON object (or another unusable type). */
  | { kind: 'bad-actual'; text: string }
  /** The bound value is not a string, bool, number or list. */
  | { kind: 'bad-expected'; text: string }
  /** Glob mode with a bound value that is not a string (stored before a type switch). */
  | { kind: 'bad-glob'; text: string };

/** Matches one bound claim against the claim set (Vault's validateBoundClaims for one key). */
export function matchBoundClaim(claims: Record<string, unknown>, key: string, expected: unknown, glob: boolean): MatchResult {
  const actual = getClaim(claims, key);
  if (actual === undefined) return { kind: 'missing' };
  const actVals = normalizeList(actual);
  if (!actVals) return { kind: 'bad-actual', text: formatValue(actual) };
  const expVals = normalizeList(expected);
  if (!expVals) return { kind: 'bad-expected', text: formatValue(expected) };
  for (const exp of expVals) {
    for (const act of actVals) {
      if (glob) {
        if (typeof exp !== 'string') {
          // Vault formats this with a stray %e verb; the text is reproduced as it renders.
          return { kind: 'bad-glob', text: `%!e(${goTypeName(exp)}=${formatValue(exp)})xpVal` };
        }
        if (typeof act !== 'string') continue;
        if (globMatch(exp, act)) return { kind: 'ok' };
      } else if (equal(exp, act)) {
        return { kind: 'ok' };
      }
    }
  }
  return { kind: 'mismatch' };
}

/** A claim set's values with LosslessNumbers turned into numbers (explain input). */
export function plainClaims(value: unknown): unknown {
  if (isLosslessNumber(value)) return Number(value.value);
  if (Array.isArray(value)) return value.map(plainClaims);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = plainClaims(v);
    return out;
  }
  return value;
}

/** A claim value for display (explain): ClaimNumbers as numbers. */
export function displayValue(v: unknown): unknown {
  if (v instanceof ClaimNumber) return Number(v.text);
  return v;
}
