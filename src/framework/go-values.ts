/**
 * Go-flavoured value handling that Vault's wire behaviour depends on: strconv.ParseBool,
 * strconv.ParseInt with base 0, and the `%v` rendering used in field-conversion errors.
 */
import { isLosslessNumber } from './json.ts';

/** strconv.ParseBool: undefined when the text is not a Go bool. */
export function goParseBool(s: string): boolean | undefined {
  switch (s) {
    case '1':
    case 't':
    case 'T':
    case 'TRUE':
    case 'true':
    case 'True':
      return true;
    case '0':
    case 'f':
    case 'F':
    case 'FALSE':
    case 'false':
    case 'False':
      return false;
    default:
      return undefined;
  }
}

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

/**
 * strconv.ParseInt(s, base, 64) for base 0 (prefixes 0x, 0o, 0b, leading 0 = octal, underscores
 * between digits) or base 10. Returns the value or an error reason (`invalid syntax`,
 * `value out of range`).
 */
export function goParseInt(s: string, base: 0 | 10): number | { error: 'invalid syntax' | 'value out of range' } {
  let rest = s;
  let neg = false;
  if (rest[0] === '+' || rest[0] === '-') {
    neg = rest[0] === '-';
    rest = rest.slice(1);
  }
  let radix = 10;
  let digits = rest;
  let allowUnderscore = false;
  if (base === 0) {
    allowUnderscore = true;
    const p = rest.slice(0, 2).toLowerCase();
    if (p === '0x') {
      radix = 16;
      digits = rest.slice(2);
    } else if (p === '0o') {
      radix = 8;
      digits = rest.slice(2);
    } else if (p === '0b') {
      radix = 2;
      digits = rest.slice(2);
    } else if (rest.length > 1 && rest[0] === '0') {
      radix = 8;
      digits = rest.slice(1);
    }
  }
  if (allowUnderscore && digits.includes('_')) {
    // Underscores only between digits (or right after a base prefix).
    if (/(^_(?!.)|__|_$)/.test(digits) || (radix === 10 && digits.startsWith('_'))) return { error: 'invalid syntax' };
    digits = digits.replace(/_/g, '');
  }
  if (digits === '') return { error: 'invalid syntax' };
  const valid = radix === 16 ? /^[0-9a-fA-F]+$/ : radix === 8 ? /^[0-7]+$/ : radix === 2 ? /^[01]+$/ : /^[0-9]+$/;
  if (!valid.test(digits)) return { error: 'invalid syntax' };
  let big: bigint;
  if (radix === 10) big = BigInt(digits);
  else big = BigInt((radix === 16 ? '0x' : radix === 8 ? '0o' : '0b') + digits);
  if (neg) big = -big;
  if (big > INT64_MAX || big < INT64_MIN) return { error: 'value out of range' };
  return Number(big);
}

/** Go's `%v` of a decoded JSON value, as Vault prints inputs in conversion errors. */
export function goFormat(value: unknown): string {
  if (value === null || value === undefined) return '<nil>';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (isLosslessNumber(value)) return value.value;
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return `[${value.map(goFormat).join(' ')}]`;
  if (typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj).sort();
    return `map[${keys.map((k) => `${k}:${goFormat(obj[k])}`).join(' ')}]`;
  }
  return String(value);
}

/** The Go type name mapstructure reports for a decoded JSON value. */
export function goTypeName(value: unknown): string {
  if (value === null || value === undefined) return '<nil>';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number' || isLosslessNumber(value)) return 'json.Number';
  if (Array.isArray(value)) return '[]interface {}';
  return 'map[string]interface {}';
}
