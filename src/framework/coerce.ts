/**
 * Loose conversion of one request value to a declared field type (spec/core.md 1.5), following
 * Vault's framework (mapstructure's weak decoding and parseutil). JSON numbers are handled as
 * their literal text, so fractions and exponents fail where Vault fails.
 *
 * Each converter returns the value or throws a ConversionError carrying Go's detail text; the
 * caller (fields.ts) wraps it in the `Field validation failed: error converting input ...` error.
 */
import type { FieldType } from './types.ts';
import { parseDuration } from './duration.ts';
import { goFormat, goParseBool, goParseInt, goTypeName } from './go-values.ts';
import { isLosslessNumber, numberLiteral } from './json.ts';

export class ConversionError extends Error {}

const fail = (detail: string): never => {
  throw new ConversionError(detail);
};

const unconvertible = (target: string, raw: unknown): never =>
  fail(`'' expected type '${target}', got unconvertible type '${goTypeName(raw)}', value: '${goFormat(raw)}'`);

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !isLosslessNumber(v) && !(v instanceof Date);
}

/** mapstructure's weak decode to string: numbers as their literal, bools as "1"/"0". */
export function toGoString(raw: unknown): string {
  if (typeof raw === 'string') return raw;
  const lit = numberLiteral(raw);
  if (lit !== undefined) return lit;
  if (typeof raw === 'boolean') return raw ? '1' : '0';
  return unconvertible('string', raw);
}

export function toBool(raw: unknown): boolean {
  if (typeof raw === 'boolean') return raw;
  const text = typeof raw === 'string' ? raw : numberLiteral(raw);
  if (text === undefined) return unconvertible('bool', raw);
  if (text === '') return false;
  const b = goParseBool(text);
  if (b === undefined) return fail(`cannot parse '' as bool: strconv.ParseBool: parsing "${text}": invalid syntax`);
  return b;
}

export function toInt(raw: unknown): number {
  if (typeof raw === 'boolean') return raw ? 1 : 0;
  if (typeof raw === 'string') {
    if (raw === '') return 0;
    const r = goParseInt(raw, 0);
    if (typeof r !== 'number') return fail(`cannot parse '' as int: strconv.ParseInt: parsing "${raw}": ${r.error}`);
    return r;
  }
  const lit = numberLiteral(raw);
  if (lit !== undefined) {
    const r = goParseInt(lit, 10);
    if (typeof r !== 'number') return fail(`error decoding json.Number into : strconv.ParseInt: parsing "${lit}": ${r.error}`);
    return r;
  }
  return unconvertible('int', raw);
}

export function toDuration(raw: unknown, signed: boolean): number {
  let text: string | undefined;
  if (typeof raw === 'string') text = raw;
  else text = numberLiteral(raw);
  if (text === undefined) return fail('could not parse duration from input');
  let secs: number;
  try {
    secs = parseDuration(text);
  } catch (e) {
    return fail(e instanceof Error ? e.message : String(e));
  }
  if (!signed && secs < 0) return fail(`cannot provide negative value '${secs}'`);
  return secs;
}

/** Elements of a weakly decoded []T: arrays as is, anything else a single element. */
function asList(raw: unknown, target: string): unknown[] {
  if (Array.isArray(raw)) return raw;
  if (isPlainObject(raw)) return fail(`'' source data must be an array or slice, got map`);
  if (raw === undefined) return unconvertible(target, raw);
  return [raw];
}

export function toCommaStringSlice(raw: unknown): string[] {
  if (typeof raw === 'string') {
    if (raw === '') return [];
    return raw.split(',').map((s) => s.trim());
  }
  return asList(raw, '[]string').map((v) => toGoString(v).trim());
}

export function toStringSlice(raw: unknown): string[] {
  if (typeof raw === 'string') return raw === '' ? [] : [raw.trim()];
  return asList(raw, '[]string').map((v) => toGoString(v).trim());
}

export function toCommaIntSlice(raw: unknown): number[] {
  if (typeof raw === 'string') {
    if (raw === '') return [];
    return raw.split(',').map((s) => toInt(s.trim()));
  }
  return asList(raw, '[]int').map((v) => toInt(v));
}

export function toMap(raw: unknown): Record<string, unknown> {
  if (isPlainObject(raw)) return raw;
  if (Array.isArray(raw) && raw.length === 0) return {};
  return fail(`'' expected a map, got '${goKind(raw)}'`);
}

export function toKVPairs(raw: unknown): Record<string, string> {
  if (isPlainObject(raw)) {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(raw)) out[k] = toGoString(v);
    return out;
  }
  const out: Record<string, string> = {};
  for (const item of asList(raw, '[]string')) {
    const pair = toGoString(item);
    const eq = pair.indexOf('=');
    if (eq <= 0) return fail(`invalid key pair "${pair}"`);
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

export function toTime(raw: unknown): Date {
  if (typeof raw === 'string') {
    if (RFC3339.test(raw)) {
      const ms = Date.parse(raw.toUpperCase());
      if (!Number.isNaN(ms)) return new Date(ms);
    }
    const r = goParseInt(raw, 10);
    if (typeof r === 'number') return new Date(r * 1000);
    return fail('could not parse string as date and time');
  }
  const lit = numberLiteral(raw);
  if (lit !== undefined) {
    const r = goParseInt(lit, 10);
    if (typeof r !== 'number') return fail(`strconv.ParseInt: parsing "${lit}": ${r.error}`);
    return new Date(r * 1000);
  }
  return fail('could not parse time from input');
}

function goKind(v: unknown): string {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number' || isLosslessNumber(v)) return 'string';
  if (Array.isArray(v)) return 'slice';
  return 'invalid';
}

/** Converts one non-null raw value to `type`. Throws ConversionError. */
export function coerceValue(type: FieldType, raw: unknown): unknown {
  switch (type) {
    case 'string':
      return toGoString(raw);
    case 'lowercase-string':
      return toGoString(raw).trim().toLowerCase();
    case 'int':
      return toInt(raw);
    case 'bool':
      return toBool(raw);
    case 'duration':
      return toDuration(raw, false);
    case 'signed-duration':
      return toDuration(raw, true);
    case 'comma-string-slice':
      return toCommaStringSlice(raw);
    case 'string-slice':
      return toStringSlice(raw);
    case 'comma-int-slice':
      return toCommaIntSlice(raw);
    case 'map':
      return toMap(raw);
    case 'kv-pairs':
      return toKVPairs(raw);
    case 'time':
      return toTime(raw);
    case 'raw':
      return raw;
    default: {
      const never: never = type;
      throw new Error(`unknown field type ${String(never)}`);
    }
  }
}
