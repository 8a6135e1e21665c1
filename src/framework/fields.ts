/**
 * Field coercion and validation for a path's declared fields (spec/core.md 1.5). Unlike Vault,
 * `required` and `allowed` are enforced.
 */
import { badRequest, fieldError } from '../errors.ts';
import { ConversionError, coerceValue } from './coerce.ts';
import { goFormat } from './go-values.ts';
import type { FieldSpec, FieldType, Fields } from './types.ts';

export { coerceValue, ConversionError } from './coerce.ts';

export interface CoercedFields {
  /** Declared field name -> coerced value (default applied; undefined when absent). */
  values: Record<string, unknown>;
  /** Names of declared fields the caller supplied with a non-null value. */
  supplied: Set<string>;
}

export interface CoerceOptions {
  /** Enforce `required` (writes: create/update). */
  enforceRequired: boolean;
  /** Values that win over `input`'s (URL captures), as if merged into it. */
  overrides?: Record<string, unknown>;
}

/**
 * Converts one raw value for a named field; a failure becomes the 400
 * `Field validation failed: error converting input <v> for field "<name>": <detail>`.
 */
export function coerceField(name: string, type: FieldType, raw: unknown): unknown {
  try {
    return coerceValue(type, raw);
  } catch (e) {
    if (e instanceof ConversionError) throw fieldError(name, goFormat(raw), e.message);
    throw e;
  }
}

function cloneDefault(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (v instanceof Date) return new Date(v.getTime());
  if (Array.isArray(v)) return v.slice();
  return { ...(v as Record<string, unknown>) };
}

function checkAllowed(name: string, spec: FieldSpec, value: unknown): void {
  const allowed = spec.allowed;
  if (!allowed || value === undefined) return;
  const items = Array.isArray(value) ? value : [value];
  for (const item of items) {
    const text = String(item);
    if (!allowed.includes(text)) {
      throw badRequest(`invalid value "${text}" for field "${name}": must be one of [${allowed.join(', ')}]`, { field: name });
    }
  }
}

/**
 * Coerces `input` (request data merged with URL captures) against `fields`. Keys of `input` that
 * are not declared are left alone (the dispatcher warns about them). null counts as absent.
 */
export function coerceFields(fields: Fields, input: Record<string, unknown>, opts: CoerceOptions): CoercedFields {
  const values: Record<string, unknown> = {};
  const supplied = new Set<string>();
  const overrides = opts.overrides;
  for (const name in fields) {
    const spec = fields[name];
    const raw =
      overrides !== undefined && Object.prototype.hasOwnProperty.call(overrides, name)
        ? overrides[name]
        : Object.prototype.hasOwnProperty.call(input, name)
          ? input[name]
          : undefined;
    if (raw === undefined || raw === null) {
      if (opts.enforceRequired && spec.required) throw badRequest(`missing required field "${name}"`, { field: name });
      values[name] = cloneDefault(spec.default);
      continue;
    }
    const value = coerceField(name, spec.type, raw);
    checkAllowed(name, spec, value);
    values[name] = value;
    supplied.add(name);
  }
  return { values, supplied };
}

/** Sorted names of `input` keys that are neither declared fields nor URL captures. */
export function unrecognizedKeys(fields: Fields, input: Record<string, unknown>, captures: Record<string, string>): string[] {
  const out: string[] = [];
  for (const k in input) {
    if (!Object.prototype.hasOwnProperty.call(input, k)) continue;
    if (Object.prototype.hasOwnProperty.call(fields, k) || Object.prototype.hasOwnProperty.call(captures, k)) continue;
    out.push(k);
  }
  return out.sort();
}

/** Vault's warning text for ignored parameters. */
export function unrecognizedWarning(keys: string[]): string {
  return `Endpoint ignored these unrecognized parameters: [${keys.join(' ')}]`;
}
