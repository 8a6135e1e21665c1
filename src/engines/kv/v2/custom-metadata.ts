/**
 * `custom_metadata` of KV v2 key metadata: values are stringified the way Go's weak decoding does
 * it, then checked against the limits (at most 64 keys; key 1–128 bytes, value 1–512 bytes; only
 * printable characters). Every violation is reported, as one multierror text (spec/core.md 4.2).
 */
import { badRequest, multiError } from '../../../errors.ts';
import { goFormat, goTypeName } from '../../../framework/go-values.ts';
import { numberText } from '../json-values.ts';

export const MAX_KEYS = 64;
export const MAX_KEY_LENGTH = 128;
export const MAX_VALUE_LENGTH = 512;
const PREFIX = 'custom_metadata validation failed';

/** Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space. */
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]*$/u;

function stringify(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? '1' : '0';
  if (value === null || value === undefined) return '';
  const text = numberText(value);
  if (text !== undefined) return text;
  throw badRequest(
    `${PREFIX}: '' expected type 'string', got unconvertible type '${goTypeName(value)}', value: '${goFormat(value)}'`,
  );
}

/**
 * Stringifies the values of a request's `custom_metadata` map; with `dropNulls` (PATCH) null
 * entries are returned separately as removals.
 */
export function parseCustomMetadata(
  raw: Record<string, unknown>,
  dropNulls: boolean,
): { values: Record<string, string>; removals: string[] } {
  const values: Record<string, string> = {};
  const removals: string[] = [];
  for (const [name, value] of Object.entries(raw)) {
    if (dropNulls && value === null) {
      removals.push(name);
      continue;
    }
    values[name] = stringify(value);
  }
  return { values, removals };
}

/** Go's %q for a string. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (PRINTABLE.test(ch)) out += ch;
    else if (ch === '\x07') out += '\\a';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\v') out += '\\v';
    else if (cp < 0x80) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (cp < 0x10000) out += `\\u${cp.toString(16).padStart(4, '0')}`;
    else out += `\\U${cp.toString(16).padStart(8, '0')}`;
  }
  return `${out}"`;
}

/** The violation messages (empty when valid). */
export function customMetadataErrors(values: Record<string, string>): string[] {
  const names = Object.keys(values);
  if (names.length > MAX_KEYS) {
    return [`${PREFIX}: payload must contain at most ${MAX_KEYS} keys, provided ${names.length}`];
  }
  const errors: string[] = [];
  for (const name of names) {
    const value = values[name];
    const keyLen = Buffer.byteLength(name, 'utf8');
    if (keyLen === 0 || keyLen > MAX_KEY_LENGTH) {
      errors.push(`${PREFIX}: length of key ${goQuote(name)} is ${keyLen} but must be 0 < len(key) <= ${MAX_KEY_LENGTH}`);
    }
    const valueLen = Buffer.byteLength(value, 'utf8');
    if (valueLen === 0 || valueLen > MAX_VALUE_LENGTH) {
      errors.push(
        `${PREFIX}: length of value for key ${goQuote(name)} is ${valueLen} but must be 0 < len(value) <= ${MAX_VALUE_LENGTH}`,
      );
    }
    if (!PRINTABLE.test(name)) errors.push(`${PREFIX}: key ${goQuote(name)} (${name}) contains unprintable characters`);
    if (!PRINTABLE.test(value)) errors.push(`${PREFIX}: value for key ${goQuote(name)} contains unprintable characters`);
  }
  return errors;
}

/** Throws the 400 multierror when `values` break a limit. */
export function validateCustomMetadata(values: Record<string, string>): void {
  const errors = customMetadataErrors(values);
  if (errors.length > 0) throw badRequest(multiError(...errors));
}
