/**
 * Parameter constraints of a governing rule (spec/core.md 3.6), with Vault 1.21+ list matching:
 * an array value is judged element by element and a string value comma-piece by comma-piece
 * (pieces whitespace-trimmed), in addition to whole-value matching.
 *
 * Numbers are compared by value (Keep's documented divergence from Vault's Go deep equality, where
 * an HCL int and a JSON number never match): `1`, `1.0` and a LosslessNumber holding "1" are equal;
 * integers beyond 2^53 are compared exactly. A LosslessNumber is recognised by lossless-json's own
 * check or, duck-typed, as an object with `isLosslessNumber === true` and a numeric `value` string.
 * A string never equals a number.
 */
import { isLosslessNumber } from 'lossless-json';
import type { ParamMap } from './types.ts';

const NUMERIC = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?$/;
const INTEGER = /^-?\d+$/;

/** The decimal text of a numeric value, or undefined for non-numbers. */
function numericText(v: unknown): string | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : undefined;
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'object' && v !== null) {
    if (isLosslessNumber(v)) return v.value;
    const o = v as { isLosslessNumber?: unknown; value?: unknown };
    if (o.isLosslessNumber === true && typeof o.value === 'string' && NUMERIC.test(o.value)) return o.value;
  }
  return undefined;
}

function numbersEqual(a: string, b: string): boolean {
  if (INTEGER.test(a) && INTEGER.test(b)) return BigInt(a) === BigInt(b);
  return Number(a) === Number(b);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Deep equality with numbers compared by value. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  const na = numericText(a);
  const nb = numericText(b);
  if (na !== undefined || nb !== undefined) return na !== undefined && nb !== undefined && numbersEqual(na, nb);
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => deepEqual(x, b[i]));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    if (ka.length !== kb.length) return false;
    return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

/**
 * Vault's glob rule for listed strings: a leading and/or trailing `*` makes a glob; a one-character
 * pattern (including `*` alone) is compared literally.
 */
export function globMatch(pattern: string, value: string): boolean {
  if (pattern.length < 2) return pattern === value;
  const lead = pattern.startsWith('*');
  const trail = pattern.endsWith('*');
  if (lead && trail) return value.includes(pattern.slice(1, -1));
  if (lead) return value.endsWith(pattern.slice(1));
  if (trail) return value.startsWith(pattern.slice(0, -1));
  return pattern === value;
}

/** Does this one value match one of the listed values? */
function inList(value: unknown, list: unknown[]): boolean {
  for (const el of list) {
    if (el == null || value == null) {
      // null (or a missing value) matches only null.
      if (el == null && value == null) return true;
    } else if (typeof el === 'string' && typeof value === 'string') {
      if (globMatch(el, value)) return true;
    } else if (deepEqual(el, value)) {
      return true;
    }
  }
  return false;
}

/** The 1.21+ pieces of a value: array elements, or trimmed comma pieces of a string. */
function piecesOf(value: unknown): unknown[] | undefined {
  if (Array.isArray(value)) return value;
  if (typeof value === 'string') return value === '' ? [] : value.split(',').map((p) => p.trim());
  return undefined;
}

/** Denied list: empty = any value denied; whole value or any piece matching = denied. */
function isDenied(value: unknown, list: unknown[]): boolean {
  if (list.length === 0) return true;
  if (inList(value, list)) return true;
  const pieces = piecesOf(value);
  return pieces !== undefined && pieces.some((p) => inList(p, list));
}

/** Allowed list: empty = any value; whole value, or every piece, must match. */
function isAllowed(value: unknown, list: unknown[]): boolean {
  if (list.length === 0) return true;
  if (inList(value, list)) return true;
  const pieces = piecesOf(value);
  return pieces !== undefined && pieces.every((p) => inList(p, list));
}

/** Lower-cases `policies` / `token_policies` request values (strings, or strings in an array). */
function normaliseValue(name: string, value: unknown): unknown {
  if (name !== 'policies' && name !== 'token_policies') return value;
  if (typeof value === 'string') return value.toLowerCase();
  if (Array.isArray(value)) return value.map((v) => (typeof v === 'string' ? v.toLowerCase() : v));
  return value;
}

export interface ParameterRules {
  allowed?: ParamMap;
  denied?: ParamMap;
  required: string[];
}

/** Applies items 1-7 of spec/core.md 3.6 to the request's top-level data. */
export function parametersAllowed(rules: ParameterRules, data: Record<string, unknown>): boolean {
  for (const name of rules.required) {
    if (!Object.prototype.hasOwnProperty.call(data, name)) return false;
  }
  const keys = Object.keys(data);
  if (keys.length === 0) return true;

  const denied = rules.denied;
  if (denied && denied.size > 0) {
    if (denied.has('*')) return false;
    for (const key of keys) {
      const name = key.toLowerCase();
      const list = denied.get(name);
      if (list && isDenied(normaliseValue(name, data[key]), list)) return false;
    }
  }

  const allowed = rules.allowed;
  if (!allowed || allowed.size === 0) return true;
  const allowAll = allowed.has('*');
  if (allowAll && allowed.size === 1) return true;
  for (const key of keys) {
    const name = key.toLowerCase();
    const list = allowed.get(name);
    if (!list) {
      if (!allowAll) return false;
      continue;
    }
    if (!isAllowed(normaliseValue(name, data[key]), list)) return false;
  }
  return true;
}
