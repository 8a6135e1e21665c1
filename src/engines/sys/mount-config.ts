/**
 * Validation of an enable request (POST sys/mounts/<path>, POST sys/auth/<path>) in Vault's
 * order: config map, TTLs, token type (auth), type, version option, listing visibility. The
 * mount table in core then enforces paths, singletons, known types and overlaps.
 */
import type { MountConfig, MountKind } from '../../core/contracts.ts';
import { badRequest } from '../../errors.ts';
import { parseDuration } from '../../framework/duration.ts';
import { commaList, looseBool, scalarText } from './util.ts';

export interface EnableRequest {
  type: string;
  description: string;
  config: Partial<MountConfig>;
  options: Record<string, string> | null;
}

const LIST_KEYS = [
  'audit_non_hmac_request_keys',
  'audit_non_hmac_response_keys',
  'passthrough_request_headers',
  'allowed_response_headers',
] as const;

export const TOKEN_TYPES = ['default-service', 'default-batch', 'service', 'batch'];
export const LISTING_VISIBILITY = ['', 'unauth', 'hidden'];

/** A TTL of the config map: '' / 'system' = unset (0); otherwise a duration. */
function configTTL(value: unknown, label: 'default' | 'max', convertError: string): number {
  if (value === undefined || value === null) return 0;
  const text = scalarText(value);
  if (text === undefined) throw badRequest(convertError);
  if (text === '' || text === 'system') return 0;
  let seconds: number;
  try {
    seconds = parseDuration(text);
  } catch (e) {
    throw badRequest(`unable to parse ${label} TTL of ${text}: ${(e as Error).message}`);
  }
  if (seconds < 0) throw badRequest(`unable to parse ${label} TTL of ${text}: cannot provide negative value '${text}'`);
  return seconds;
}

export function parseEnableRequest(
  kind: MountKind,
  input: { type: string; description: string; config: Record<string, unknown> | undefined; options: Record<string, string> | undefined },
  systemMaxTTL: number,
): EnableRequest {
  const what = kind === 'auth' ? 'auth' : 'mount';
  const convertError = `unable to convert given ${what} config information`;
  const raw = input.config ?? {};

  const config: Partial<MountConfig> = {};
  config.default_lease_ttl = configTTL(raw.default_lease_ttl, 'default', convertError);
  config.max_lease_ttl = configTTL(raw.max_lease_ttl, 'max', convertError);
  for (const key of LIST_KEYS) {
    if (raw[key] === undefined || raw[key] === null) continue;
    const list = commaList(raw[key]);
    if (list === undefined) throw badRequest(convertError);
    if (list.length > 0) config[key] = list;
  }
  if (raw.force_no_cache !== undefined && raw.force_no_cache !== null) {
    const b = looseBool(raw.force_no_cache);
    if (b === undefined) throw badRequest(convertError);
    if (b) config.force_no_cache = true;
  }
  let listing = '';
  if (raw.listing_visibility !== undefined && raw.listing_visibility !== null) {
    const t = scalarText(raw.listing_visibility);
    if (t === undefined) throw badRequest(convertError);
    listing = t;
  }

  if (config.max_lease_ttl !== 0 && config.default_lease_ttl! > config.max_lease_ttl!) {
    throw badRequest('given default lease TTL greater than given max lease TTL');
  }
  if (config.default_lease_ttl! > systemMaxTTL && config.max_lease_ttl === 0) {
    throw badRequest(`given default lease TTL greater than system max lease TTL of ${systemMaxTTL}`);
  }

  if (kind === 'auth') {
    const tt = raw.token_type === undefined || raw.token_type === null ? '' : scalarText(raw.token_type);
    if (tt === undefined) throw badRequest(convertError);
    if (tt !== '' && !TOKEN_TYPES.includes(tt)) throw badRequest(`invalid value for 'token_type'`);
    config.token_type = tt === '' ? 'default-service' : tt;
  }

  let type = input.type;
  if (type === '') throw badRequest('backend type must be specified as a string');
  let options: Record<string, string> | null = input.options && Object.keys(input.options).length > 0 ? { ...input.options } : null;
  if (options && options.version === '' && type !== 'kv') {
    delete options.version;
    if (Object.keys(options).length === 0) options = null;
  }
  if (kind === 'secret') {
    if (type === 'kv-v1' || type === 'kv-v2') {
      options = { ...(options ?? {}), version: type === 'kv-v1' ? '1' : '2' };
      type = 'kv';
    } else if (type !== 'kv' && options?.version) {
      throw badRequest(`secrets engine "${type}" does not allow setting a version`);
    }
  } else if (options?.version) {
    throw badRequest(`auth method "${type}" does not allow setting a version`);
  }

  if (!LISTING_VISIBILITY.includes(listing)) throw badRequest(`invalid listing_visibility ${listing}`);
  if (listing !== '') config.listing_visibility = listing;

  return { type, description: input.description, config, options };
}
