/** Shape checks for parsed JSON values (whatever number representation the parser chose). */

/** A JSON object (not an array, not a class instance such as a lossless number). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * The literal text of a JSON number, whatever form the parser gave it (a JS number, a bigint, or
 * a lossless number object carrying its text in `value`); undefined for non-numbers.
 */
export function numberText(value: unknown): string | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : undefined;
  if (typeof value === 'bigint') return value.toString();
  if (value !== null && typeof value === 'object') {
    const candidate = value as { isLosslessNumber?: unknown; value?: unknown };
    if (candidate.isLosslessNumber === true && typeof candidate.value === 'string') return candidate.value;
  }
  return undefined;
}
