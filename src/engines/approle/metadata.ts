/**
 * Secret-ID `metadata` (spec/auth.md 5.5): a string holding a JSON object of string values, or
 * base64 of such a string, or comma-separated `key=value` pairs (lower-cased, as Vault does).
 * Keep also accepts a JSON object of strings given directly (a superset of Vault's input).
 */
import { badRequest } from '../../errors.ts';
import { numberLiteral } from '../../framework/json.ts';

class ParseError extends Error {}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Go's base64.StdEncoding.DecodeString succeeds (padded, standard alphabet). */
function decodeBase64(text: string): string | undefined {
  if (text.length % 4 !== 0 || !BASE64.test(text)) return undefined;
  const pad = text.indexOf('=');
  if (pad !== -1 && pad < text.length - 2) return undefined;
  return Buffer.from(text, 'base64').toString('utf8');
}

function jsonStringMap(text: string): Record<string, string> | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(parsed)) {
    if (typeof v !== 'string') return undefined;
    out[k] = v;
  }
  return out;
}

/** Vault's `key=value,key2=value2` form: pairs trimmed, lower-cased, de-duplicated. */
function keyValuePairs(text: string): Record<string, string> {
  const pairs = [...new Set(text.split(',').map((s) => s.trim().toLowerCase()).filter((s) => s !== ''))].sort();
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const shards = pair.split('=');
    if (shards.length !== 2) throw new ParseError('failed to parse the input: invalid <key,value> format');
    const key = shards[0].trim();
    const value = shards[1].trim();
    if (key === '' || value === '') {
      throw new ParseError(`failed to parse the input: invalid <key,value> pair: key: ${JSON.stringify(key)} value: ${JSON.stringify(value)}`);
    }
    out[key] = value;
  }
  return out;
}

function parseText(input: string): Record<string, string> {
  let text = input.trim();
  if (text === '') return {};
  const decoded = decodeBase64(text);
  if (decoded !== undefined) text = decoded;
  return jsonStringMap(text) ?? keyValuePairs(text);
}

function parseObject(input: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(input)) {
    if (typeof v !== 'string') throw new ParseError(`value of key ${JSON.stringify(k)} is not a string`);
    out[k] = v;
  }
  return out;
}

/** Parses the `metadata` request value; throws 400 `failed to parse metadata: ...`. */
export function parseSecretIdMetadata(raw: unknown): Record<string, string> {
  try {
    let out: Record<string, string>;
    if (raw === undefined || raw === null) out = {};
    else if (typeof raw === 'string') out = parseText(raw);
    else if (typeof raw === 'object' && !Array.isArray(raw) && numberLiteral(raw) === undefined) out = parseObject(raw as Record<string, unknown>);
    else if (typeof raw === 'boolean' || numberLiteral(raw) !== undefined) out = parseText(typeof raw === 'boolean' ? (raw ? '1' : '0') : (numberLiteral(raw) ?? ''));
    else throw new ParseError('metadata must be a string or an object');
    for (const [k, v] of Object.entries(out)) {
      if (k !== '' && v === '') throw new ParseError(`invalid value for key ${JSON.stringify(k)}`);
    }
    return out;
  } catch (e) {
    if (e instanceof ParseError) throw badRequest(`failed to parse metadata: ${e.message}`);
    throw e;
  }
}
