/**
 * JSON with number fidelity (spec/core.md 1.4). Vault decodes request bodies with Go's UseNumber,
 * so `1.0`, `1e3` and `12345678901234567890` keep their literal text from request to storage to
 * response. JSON.parse would turn them into `1`, `1000` and `12345678901234567000`.
 *
 * Parsing takes the native fast path unless a cheap scan finds a number literal JSON.parse could
 * alter; then lossless-json parses it, and only the numbers whose text would change become
 * LosslessNumber values (the others stay plain numbers). stringifyJson writes LosslessNumber
 * values back verbatim.
 *
 * This file depends on nothing of Keep, so it can be moved to a leaf if lower layers need it.
 */
import { LosslessNumber, isLosslessNumber as libIsLosslessNumber, parse as losslessParse } from 'lossless-json';
import { randomBytes } from 'node:crypto';

export { LosslessNumber };

/**
 * A number literal (after `[`, `,`, `:` or at the very start) with a fraction, an exponent,
 * 16+ digits, or a negative zero. Matches inside strings too, which only costs the slow path.
 */
const RISKY_NUMBER = /(?:^|[,:[])\s*(?:-?\d+(?:[.eE]|\d{15})|-0)/;
const LITERAL = /(?:^|[,:[])\s*(-?\d[\d.eE+-]*)/g;

function looksRisky(text: string): boolean {
  // Cheap pre-check first: most bodies contain no '.', 'e' after a digit, or long digit runs.
  return RISKY_NUMBER.test(text) && riskyLiteral(text);
}

/** Second, exact-enough pass: walks number literals that follow a structural character. */
function riskyLiteral(text: string): boolean {
  LITERAL.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = LITERAL.exec(text)) !== null) {
    const lit = m[1];
    if (String(Number(lit)) !== lit) {
      LITERAL.lastIndex = 0;
      return true;
    }
  }
  return false;
}

function parseNumberLiteral(lit: string): unknown {
  const n = Number(lit);
  return String(n) === lit ? n : new LosslessNumber(lit);
}

const parseOptions = {
  parseNumber: parseNumberLiteral,
  // Go's decoder keeps the last value of a duplicated key; so does JSON.parse.
  onDuplicateKey: (info: { newValue: unknown }) => info.newValue,
};

/** Parses JSON text; throws SyntaxError on invalid JSON. */
export function parseJson(text: string): unknown {
  if (!looksRisky(text)) return JSON.parse(text);
  return losslessParse(text, null, parseOptions);
}

// ---------------------------------------------------------------------------------------------
// Stringify: LosslessNumber.toJSON emits a per-process marker string that stringifyJson replaces
// by the literal. The marker holds 16 random bytes, so no client string can forge it.

const MARK = `~keep-num-${randomBytes(16).toString('hex')}~`;
const MARK_RE = new RegExp(`"${MARK}(-?[0-9][0-9.eE+-]*)"`, 'g');
let sawLossless = false;

Object.defineProperty(LosslessNumber.prototype, 'toJSON', {
  value: function toJSON(this: LosslessNumber): string {
    sawLossless = true;
    return MARK + this.value;
  },
  configurable: true,
  writable: true,
  enumerable: false,
});

/** JSON.stringify that writes LosslessNumber values as their literal text. `undefined` -> 'null'. */
export function stringifyJson(value: unknown): string {
  sawLossless = false;
  const out = JSON.stringify(value);
  if (out === undefined) return 'null';
  if (!sawLossless) return out;
  sawLossless = false;
  return out.replace(MARK_RE, '$1');
}

/** True for a LosslessNumber (from this or another copy of lossless-json). */
export function isLosslessNumber(value: unknown): value is LosslessNumber {
  return libIsLosslessNumber(value);
}

/** A JSON number value (plain or lossless) as its literal text; undefined for anything else. */
export function numberLiteral(value: unknown): string | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : undefined;
  if (isLosslessNumber(value)) return value.value;
  return undefined;
}

/** True for a plain number or a LosslessNumber. */
export function isJsonNumber(value: unknown): boolean {
  return (typeof value === 'number' && Number.isFinite(value)) || isLosslessNumber(value);
}

/** A LosslessNumber holding this literal (validated). */
export function jsonNumber(literal: string): LosslessNumber {
  return new LosslessNumber(literal);
}
