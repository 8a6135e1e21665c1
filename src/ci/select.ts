/**
 * Evaluating a {@link SecretRequest} against a read answer, as vault-action does: the data is
 * `data.data` when the answer has one (KV v2; purely "does data.data exist"), else `data`; strings
 * are taken raw, anything else as compact JSON (numbers keep their digits).
 */
import { toJson } from '../client/json.ts';
import { wildcardNames } from './names.ts';
import type { SecretRequest } from './spec.ts';

/** One value to export. */
export interface SecretValue {
  /** Environment variable name. */
  envName: string;
  /** Output name (GitHub step output). */
  outputName: string;
  value: string;
  /** The API path it was read from. */
  path: string;
}

/** The outcome of one request: its values, or why nothing was found. */
export type Selection = { ok: true; values: SecretValue[] } | { ok: false; reason: string };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** True when the answer is KV v2-shaped (`data.data` present and not null). */
export function isKvV2Answer(body: unknown): boolean {
  return isObject(body) && isObject(body.data) && body.data.data !== undefined && body.data.data !== null;
}

/** The value as exported: strings raw, everything else compact JSON (null -> `null`). */
export function valueText(v: unknown): string {
  return typeof v === 'string' ? v : toJson(v);
}

/** Follows a key path through objects; undefined when a step is missing or not an object. */
export function lookupPath(data: unknown, keys: string[]): unknown {
  let cur: unknown = data;
  for (const k of keys) {
    if (!isObject(cur) || !Object.prototype.hasOwnProperty.call(cur, k)) return undefined;
    cur = cur[k];
  }
  return cur;
}

/** The data a selector applies to, or why there is none. */
function dataOf(body: unknown, path: string): { data: Record<string, unknown> } | { reason: string } {
  if (!isObject(body) || !isObject(body.data)) return { reason: `"${path}" answered without data` };
  const d = body.data;
  if (isKvV2Answer(body)) {
    if (!isObject(d.data)) return { reason: `"${path}" holds no key/value data` };
    return { data: d.data };
  }
  if (d.data === null && isObject(d.metadata)) return { reason: `the current version of "${path}" is deleted or destroyed` };
  return { data: d };
}

function describeSelector(req: SecretRequest): string {
  return req.lookups && req.lookups.length > 0 ? req.lookups[req.lookups.length - 1].join('.') : req.selector;
}

/** Evaluates one request against the answer read from its path. */
export function selectValues(body: unknown, req: SecretRequest): Selection {
  const found = dataOf(body, req.path);
  if ('reason' in found) return { ok: false, reason: found.reason };
  const { data } = found;
  if (req.wildcard) {
    const values = Object.entries(data).map(([key, v]) => ({ ...wildcardNames(key, req.wildcard ?? '*', req.envName), value: valueText(v), path: req.path }));
    return { ok: true, values };
  }
  for (const keys of req.lookups ?? [[req.selector]]) {
    const v = lookupPath(data, keys);
    if (v !== undefined) return { ok: true, values: [{ envName: req.envName, outputName: req.outputName, value: valueText(v), path: req.path }] };
  }
  return { ok: false, reason: `key "${describeSelector(req)}" was not found in "${req.path}"` };
}
