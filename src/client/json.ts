/**
 * JSON with number fidelity: numbers that a JavaScript `number` cannot hold exactly (large
 * integers, long decimals) are kept as `LosslessNumber` objects (from `lossless-json`) so a value
 * read from KV can be written back verbatim.
 */
import { isLosslessNumber, isSafeNumber, LosslessNumber, parse, stringify } from 'lossless-json';

export { isLosslessNumber, LosslessNumber };

function parseNumber(text: string): number | LosslessNumber {
  return isSafeNumber(text) ? Number(text) : new LosslessNumber(text);
}

/** Parses JSON text; unsafe numbers become `LosslessNumber`. Throws SyntaxError on bad JSON. */
export function parseJson(text: string): unknown {
  return parse(text, null, parseNumber);
}

/** Serialises a value to JSON; `LosslessNumber` values are written as their literal digits. */
export function toJson(value: unknown, indent?: number): string {
  return stringify(value, undefined, indent) ?? 'null';
}
