/**
 * JSON Merge Patch (RFC 7386): an object patch merges key by key (`null` removes a key, nested
 * objects merge recursively); any other patch value (arrays included) replaces the target.
 * Number values stay whatever objects the lossless parser made of them (leaves, not objects).
 */
import { isPlainObject } from '../json-values.ts';

export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return patch;
  const result: Record<string, unknown> = isPlainObject(target) ? { ...target } : {};
  for (const [name, value] of Object.entries(patch)) {
    if (value === null) delete result[name];
    else result[name] = mergePatch(result[name], value);
  }
  return result;
}
