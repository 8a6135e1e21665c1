/**
 * Stored KV data is JSON text written with the framework's lossless serialiser, so numbers keep
 * their literal text (`12345678901234567890`, `1.0`) from request to storage to response.
 */
import { parseJson, stringifyJson } from '../../framework/json.ts';
import { isPlainObject } from './json-values.ts';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Serialises a data object (as parsed from a request) to stored bytes. */
export function encodeData(data: Record<string, unknown>): Uint8Array {
  return encoder.encode(stringifyJson(data));
}

/** Parses stored bytes back to a data object; a stored non-object reads as `{}`. */
export function decodeData(bytes: Uint8Array): Record<string, unknown> {
  const value = parseJson(decoder.decode(bytes));
  return isPlainObject(value) ? value : {};
}
