/**
 * Reading typed values out of the parsed config tree, with errors that name where they are.
 */
import { parseDuration } from '../framework/duration.ts';
import { ConfigError } from './types.ts';

/** A labelled block: `listener "tcp" { ... }` -> label `tcp`, body `{...}`. */
export interface Stanza {
  label: string;
  body: Record<string, unknown>;
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function toList(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [v];
}

/**
 * The labelled stanzas of a top-level key, from HCL's `[{label: [{...}]}]` shape or JSON's
 * `{label: {...}}` / `[{label: {...}}]`.
 */
export function stanzas(root: Record<string, unknown>, key: string): Stanza[] {
  const raw = root[key];
  if (raw === undefined) return [];
  const out: Stanza[] = [];
  for (const item of toList(raw)) {
    if (!isObject(item)) throw new ConfigError(`${key}: expected a labelled block such as ${key} "<type>" { ... }`);
    for (const [label, bodyRaw] of Object.entries(item)) {
      const bodies = toList(bodyRaw);
      if (bodies.length === 0) out.push({ label, body: {} });
      for (const body of bodies) {
        if (!isObject(body)) throw new ConfigError(`${key} "${label}": expected a block { ... }`);
        out.push({ label, body });
      }
    }
  }
  return out;
}

/** A scalar that HCL may have wrapped in a list when a key is repeated: the last value wins. */
function scalar(v: unknown): unknown {
  return Array.isArray(v) && v.length > 0 && !v.some((x) => typeof x === 'object') ? v[v.length - 1] : v;
}

/** A string field (numbers are accepted as their text). */
export function str(v: unknown, where: string): string {
  const s = scalar(v);
  if (typeof s === 'string') return s;
  if (typeof s === 'number') return String(s);
  throw new ConfigError(`${where}: expected a string`);
}

/** A boolean field: true/false, Go's bool strings (`"true"`, `"1"`, ...), or 0/1. */
export function bool(v: unknown, where: string): boolean {
  const s = scalar(v);
  if (typeof s === 'boolean') return s;
  if (s === 1 || s === 0) return s === 1;
  if (typeof s === 'string') {
    if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(s)) return true;
    if (['0', 'f', 'F', 'FALSE', 'false', 'False', ''].includes(s)) return false;
  }
  throw new ConfigError(`${where}: expected a boolean (true or false)`);
}

/** An integer field (number or digit string). */
export function int(v: unknown, where: string): number {
  const s = scalar(v);
  if (typeof s === 'number' && Number.isInteger(s)) return s;
  if (typeof s === 'string' && /^-?\d+$/.test(s.trim())) return Number.parseInt(s.trim(), 10);
  throw new ConfigError(`${where}: expected an integer`);
}

/** A non-negative duration in seconds: integer seconds, `"768h"`, `"30d"`, ... */
export function duration(v: unknown, where: string): number {
  const s = scalar(v);
  if (typeof s !== 'string' && typeof s !== 'number') throw new ConfigError(`${where}: expected a duration such as "768h"`);
  let secs: number;
  try {
    secs = parseDuration(s);
  } catch (e) {
    throw new ConfigError(`${where}: invalid duration ${JSON.stringify(s)}: ${(e as Error).message}`);
  }
  if (secs < 0) throw new ConfigError(`${where}: duration must not be negative`);
  return secs;
}

/** Adds a warning for every key of `body` not in `known`. */
export function warnUnknown(body: Record<string, unknown>, known: readonly string[], where: string, warnings: string[]): void {
  for (const k of Object.keys(body)) {
    if (!known.includes(k)) warnings.push(`${where}: unknown field "${k}" ignored`);
  }
}
