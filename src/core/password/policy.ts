/**
 * Password policies (spec/dynamic.md 2.14): HCL text with a `length` and `rule "charset"` blocks.
 *
 * ```hcl
 * length = 24
 * rule "charset" {
 *   charset   = "abcdefghijklmnopqrstuvwxyz"
 *   min-chars = 1
 * }
 * ```
 *
 * The alphabet is the de-duplicated, sorted union of every rule's charset (at most 256 distinct
 * printable characters); each rule requires at least `min-chars` characters of its charset.
 * Parse errors carry Vault's wording (the store prefixes them with `invalid password policy: `).
 */
import { LosslessNumber } from 'lossless-json';
import { multiError } from '../../errors.ts';
import { HclError, parseHcl } from '../policy/hcl.ts';

export interface CharsetRule {
  /** The rule's characters (one entry per code point, in the order given). */
  charset: string[];
  minChars: number;
}

export interface PasswordPolicy {
  length: number;
  rules: CharsetRule[];
  /** De-duplicated union of all charsets, sorted by code point. */
  alphabet: string[];
}

/** A policy the parser or validator refused; the message is Vault's text without a prefix. */
export class PasswordPolicyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PasswordPolicyError';
  }
}

export const MIN_PASSWORD_LENGTH = 4;
export const MAX_PASSWORD_LENGTH = 100;
const MAX_CHARSET = 256;

/** Printable as Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and ASCII space. */
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

function sortUnique(chars: string[]): string[] {
  const set = [...new Set(chars)];
  return set.sort((a, b) => (a.codePointAt(0) ?? 0) - (b.codePointAt(0) ?? 0));
}

/** Builds a policy from its parts, computing the alphabet. */
export function makePolicy(length: number, rules: CharsetRule[]): PasswordPolicy {
  return { length, rules, alphabet: sortUnique(rules.flatMap((r) => r.charset)) };
}

/** Keep's default generator: 20 characters of [A-Za-z0-9-], at least one of each class. */
export const DEFAULT_PASSWORD_POLICY: PasswordPolicy = makePolicy(20, [
  { charset: [...'abcdefghijklmnopqrstuvwxyz'], minChars: 1 },
  { charset: [...'ABCDEFGHIJKLMNOPQRSTUVWXYZ'], minChars: 1 },
  { charset: [...'0123456789'], minChars: 1 },
  { charset: ['-'], minChars: 1 },
]);

function goType(v: unknown): string {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number' || v instanceof LosslessNumber) return Number.isInteger(Number(v)) ? 'int' : 'float64';
  if (Array.isArray(v)) return '[]interface {}';
  if (v === null) return 'nil';
  return 'map[string]interface {}';
}

/** mapstructure's int decoding (not weakly typed): ints and floats (truncated) only. */
function decodeInt(field: string, v: unknown): number {
  if (typeof v === 'number') return Math.trunc(v);
  if (v instanceof LosslessNumber) {
    const n = Number(v.toString());
    if (!Number.isFinite(n)) throw new PasswordPolicyError(`'${field}' out of range`);
    return Math.trunc(n);
  }
  throw new PasswordPolicyError(
    `1 error(s) decoding:\n\n* '${field}' expected type 'int', got unconvertible type '${goType(v)}', value: '${String(v)}'`,
  );
}

function decodeCharset(v: unknown): string[] {
  if (typeof v === 'string') return [...v];
  if (Array.isArray(v) && v.every((x) => typeof x === 'string' && [...x].length === 1)) return v as string[];
  throw new PasswordPolicyError(
    `1 error(s) decoding:\n\n* 'charset' expected type '[]int32', got unconvertible type '${goType(v)}', value: '${String(v)}'`,
  );
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof LosslessNumber);
}

/** HCL1 blocks come as a list of single-key objects; JSON as a plain object or a list of them. */
function asList(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [v];
}

function parseRules(raw: unknown): CharsetRule[] {
  if (raw === undefined) return [];
  const rules: CharsetRule[] = [];
  for (const entry of asList(raw)) {
    if (!isObject(entry)) throw new PasswordPolicyError('unable to retrieve rules: rule must be a block');
    const types = Object.keys(entry);
    if (types.length === 0) throw new PasswordPolicyError('unable to parse rules: unable to get rule info: rule is empty');
    for (const type of types) {
      for (const body of asList(entry[type])) {
        if (type !== 'charset') {
          throw new PasswordPolicyError(`unable to parse rules: unable to parse rule ${type}: unrecognized rule type ${type}`);
        }
        if (!isObject(body)) throw new PasswordPolicyError('unable to parse rules: unable to parse rule charset: rule body must be a block');
        try {
          const charset = body.charset === undefined ? [] : decodeCharset(body.charset);
          const minChars = body['min-chars'] === undefined ? 0 : decodeInt('min-chars', body['min-chars']);
          rules.push({ charset, minChars });
        } catch (e) {
          const msg = e instanceof Error ? e.message : String(e);
          throw new PasswordPolicyError(`unable to parse rules: unable to parse rule charset: failed to parse charset restriction: ${msg}`);
        }
      }
    }
  }
  return rules;
}

/** Vault's generator checks: positive length, min-chars fit, a non-empty printable alphabet. */
function validate(policy: PasswordPolicy): void {
  const problems: string[] = [];
  const minLen = policy.rules.reduce((sum, r) => sum + Math.max(0, r.minChars), 0);
  if (policy.length <= 0) problems.push('length must be > 0');
  else if (policy.length < minLen) {
    problems.push(`specified rules require at least ${minLen} characters but ${policy.length} is specified`);
  }
  if (policy.alphabet.length === 0) problems.push('no charset specified');
  else if (policy.alphabet.some((c) => !PRINTABLE.test(c))) problems.push('non-printable character in charset');
  if (policy.alphabet.length > MAX_CHARSET) problems.push(`charset is too long: limited to ${MAX_CHARSET} characters`);
  if (problems.length > 0) throw new PasswordPolicyError(multiError(...problems));
}

/** Parses and validates policy text. Throws PasswordPolicyError with Vault's wording. */
export function parsePasswordPolicy(text: string): PasswordPolicy {
  let raw: unknown;
  try {
    raw = parseHcl(text);
  } catch (e) {
    const msg = e instanceof HclError ? e.message : String(e);
    throw new PasswordPolicyError(`unable to decode: ${msg}`);
  }
  if (!isObject(raw)) throw new PasswordPolicyError('unable to decode: policy must be an object');
  const length = raw.length === undefined ? 0 : decodeLength(raw.length);
  const policy = makePolicy(length, parseRules(raw.rule));
  validate(policy);
  return policy;
}

function decodeLength(v: unknown): number {
  try {
    return decodeInt('length', v);
  } catch (e) {
    throw new PasswordPolicyError(`failed to decode configuration: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** True when `password` has the policy's length, uses only its alphabet and passes every rule. */
export function satisfiesPolicy(policy: PasswordPolicy, password: string): boolean {
  const chars = [...password];
  if (chars.length !== policy.length) return false;
  const alphabet = new Set(policy.alphabet);
  if (!chars.every((c) => alphabet.has(c))) return false;
  return policy.rules.every((rule) => passesRule(rule, chars));
}

export function passesRule(rule: CharsetRule, chars: readonly string[]): boolean {
  if (rule.minChars <= 0) return true;
  const set = new Set(rule.charset);
  let count = 0;
  for (const c of chars) {
    if (set.has(c) && ++count >= rule.minChars) return true;
  }
  return false;
}
