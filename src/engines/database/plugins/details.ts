/**
 * Reading connection details (spec/dynamic.md 2.2): the stored map keeps the client's JSON
 * types, so values are read loosely as Vault's weakly-typed decoding does (numbers from numeric
 * strings, booleans from "true"/"1", durations as seconds or Go strings).
 */
import { LosslessNumber } from 'lossless-json';
import { parseDuration } from '../../../framework/duration.ts';

export type Details = Readonly<Record<string, unknown>>;

function scalar(v: unknown): string | number | boolean | undefined {
  if (v instanceof LosslessNumber) return Number(v.toString());
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  return undefined;
}

export function detailString(details: Details, key: string): string {
  const v = details[key];
  if (v === undefined || v === null) return '';
  const s = scalar(v);
  if (s === undefined) throw new Error(`'${key}' expected type 'string', got unconvertible type '${Array.isArray(v) ? 'slice' : 'map'}'`);
  return String(s);
}

export function detailInt(details: Details, key: string, fallback: number): number {
  const v = details[key];
  if (v === undefined || v === null || v === '') return fallback;
  const s = scalar(v);
  const n = typeof s === 'boolean' ? (s ? 1 : 0) : typeof s === 'string' ? (/^\s*[-+]?\d+\s*$/.test(s) ? Number(s) : NaN) : s;
  if (n === undefined || !Number.isFinite(n)) throw new Error(`cannot parse '${key}' as int: ${JSON.stringify(v)}`);
  return Math.trunc(n);
}

export function detailBool(details: Details, key: string, fallback: boolean): boolean {
  const v = details[key];
  if (v === undefined || v === null) return fallback;
  const s = scalar(v);
  if (typeof s === 'boolean') return s;
  if (typeof s === 'number') return s !== 0;
  if (typeof s === 'string') {
    if (s === '') return false;
    if (/^(1|t|T|TRUE|true|True)$/.test(s)) return true;
    if (/^(0|f|F|FALSE|false|False)$/.test(s)) return false;
  }
  throw new Error(`cannot parse '${key}' as bool: ${JSON.stringify(v)}`);
}

/** Duration in seconds (integer seconds, numeric strings or Go strings like "60s"). */
export function detailDurationSeconds(details: Details, key: string): number {
  const v = details[key];
  if (v === undefined || v === null || v === '') return 0;
  const s = scalar(v);
  if (s === undefined || typeof s === 'boolean') throw new Error(`invalid ${key}: ${JSON.stringify(v)}`);
  try {
    return parseDuration(typeof s === 'number' ? Math.trunc(s) : s);
  } catch (e) {
    throw new Error(`invalid ${key}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

export interface PoolSettings {
  maxOpen: number;
  maxIdle: number;
  /** 0 = connections are reused forever. */
  maxLifetimeMs: number;
}

/** max_open_connections (default 4), max_idle_connections (0 or above max_open = max_open), max_connection_lifetime. */
export function poolSettings(details: Details): PoolSettings {
  let maxOpen = detailInt(details, 'max_open_connections', 4);
  if (maxOpen <= 0) maxOpen = 4;
  let maxIdle = detailInt(details, 'max_idle_connections', 0);
  if (maxIdle <= 0 || maxIdle > maxOpen) maxIdle = maxOpen;
  const lifetime = detailDurationSeconds(details, 'max_connection_lifetime');
  return { maxOpen, maxIdle, maxLifetimeMs: lifetime > 0 ? lifetime * 1000 : 0 };
}
