import type { Fields, PathDef } from './types.ts';

/**
 * Declares one path of an engine. The generic keeps handler field types precise; the result is
 * the erased form the framework routes on.
 */
export function definePath<F extends Fields>(def: PathDef<F>): PathDef {
  return def as unknown as PathDef;
}
