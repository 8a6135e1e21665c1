/** Check-and-set of KV v2 writes and patches (spec/core.md 4.2). */
import { badRequest } from '../../../errors.ts';
import { goParseInt } from '../../../framework/go-values.ts';
import { isPlainObject, numberText } from '../json-values.ts';
import type { KeyMeta, MountConfig } from './store.ts';

/**
 * `options.cas` loosely read as an integer (Go's weak decoding): JSON numbers as base-10 integers
 * (a fraction or exponent fails), strings with Go's base-0 syntax (`"0x10"`), `""` and null as 0,
 * bools as 1/0. Undefined when it does not parse.
 */
export function parseCas(raw: unknown): number | undefined {
  if (raw === null || raw === undefined) return 0;
  if (typeof raw === 'boolean') return raw ? 1 : 0;
  if (typeof raw === 'string') {
    if (raw === '') return 0;
    const n = goParseInt(raw, 0);
    return typeof n === 'number' ? n : undefined;
  }
  const text = numberText(raw);
  if (text === undefined) return undefined;
  const n = goParseInt(text, 10);
  return typeof n === 'number' ? n : undefined;
}

/** Throws the spec's 400 when the write may not proceed. */
export function checkCas(options: unknown, config: MountConfig, meta: KeyMeta): void {
  const opts = isPlainObject(options) ? options : undefined;
  if (opts && Object.prototype.hasOwnProperty.call(opts, 'cas')) {
    const cas = parseCas(opts.cas);
    if (cas === undefined) throw badRequest('error parsing check-and-set parameter');
    if (cas !== meta.current_version) throw badRequest('check-and-set parameter did not match the current version');
    return;
  }
  if (config.cas_required || meta.cas_required) throw badRequest('check-and-set parameter required for this call');
}
