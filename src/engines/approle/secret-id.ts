/**
 * Secret IDs (spec/auth.md 5.4-5.6): the stored record, the rules of generation against the
 * role's limits, and the lookup `data`.
 */
import { randomUUID } from 'node:crypto';
import { badRequest, internalError } from '../../errors.ts';
import { ZERO_TIME, rfc3339Nano } from '../../framework/time.ts';
import { cidrSubset, cleanList, isCidrBlock, subsetError } from './cidr.ts';
import { parseSecretIdMetadata } from './metadata.ts';
import { MAX_HMAC_INPUT, type RoleEntry } from './role.ts';
import type { AppRoleStore } from './store.ts';

export interface SecretIdEntry {
  /** HMAC of the secret ID under the role's key (checked in constant time on every read). */
  secret_id_hmac: string;
  secret_id_accessor: string;
  /** Remaining uses; 0 = unlimited. */
  secret_id_num_uses: number;
  /** Seconds, as requested (the expiry uses the value clamped to the mount max). */
  secret_id_ttl: number;
  /** Unix ms. */
  creation_time: number;
  /** Unix ms; 0 = never. */
  expiration_time: number;
  last_updated_time: number;
  metadata: Record<string, string>;
  cidr_list: string[];
  token_bound_cidrs: string[];
}

export interface AccessorEntry {
  secret_id_hmac: string;
  role_name_hmac: string;
}

export function isExpired(entry: SecretIdEntry, now: number): boolean {
  return entry.expiration_time > 0 && entry.expiration_time <= now;
}

/** The `data` of secret-id/lookup and secret-id-accessor/lookup. */
export function secretIdLookupData(entry: SecretIdEntry): Record<string, unknown> {
  return {
    cidr_list: [...entry.cidr_list],
    creation_time: rfc3339Nano(entry.creation_time),
    expiration_time: entry.expiration_time > 0 ? rfc3339Nano(entry.expiration_time) : ZERO_TIME,
    last_updated_time: rfc3339Nano(entry.last_updated_time),
    metadata: { ...entry.metadata },
    secret_id_accessor: entry.secret_id_accessor,
    secret_id_num_uses: entry.secret_id_num_uses,
    secret_id_ttl: entry.secret_id_ttl,
    token_bound_cidrs: [...entry.token_bound_cidrs],
  };
}

export interface GenerateInput {
  metadata: unknown;
  cidrList: string[] | undefined;
  tokenBoundCidrs: string[] | undefined;
  /** undefined = not supplied (use the role's). */
  numUses: number | undefined;
  ttl: number | undefined;
}

export interface Generated {
  secretId: string;
  entry: SecretIdEntry;
  /** The TTL reported to the client (clamped to the mount max). */
  ttl: number;
}

/** The secret-ID TTL after the mount's limit (Vault's deriveSecretIDTTL). */
export function effectiveSecretIdTTL(ttl: number, mountMaxTTL: number): number {
  return ttl < 0 || ttl > mountMaxTTL ? mountMaxTTL : ttl;
}

function checkBlocks(list: string[], message: string): void {
  if (list.some((c) => !isCidrBlock(c))) throw badRequest(message);
}

/**
 * Validates a generation request against the role and stores the new secret ID.
 * `secretId` is the caller's (custom-secret-id) or a fresh UUID.
 */
export async function generateSecretId(
  store: AppRoleStore,
  role: RoleEntry,
  input: GenerateInput,
  secretId: string,
  now: number,
  mountMaxTTL: number,
): Promise<Generated> {
  if (!role.bind_secret_id) throw badRequest('bind_secret_id is not set on the role');

  const cidrList = cleanList(input.cidrList ?? []);
  checkBlocks(cidrList, 'failed to validate CIDR blocks');
  const roleBlocks = role.secret_id_bound_cidrs ?? [];
  if (!cidrSubset(roleBlocks, cidrList)) throw internalError(subsetError(roleBlocks, cidrList));

  const tokenCidrs = cleanList(input.tokenBoundCidrs ?? []);
  checkBlocks(tokenCidrs, 'failed to validate token CIDR blocks');
  if (!cidrSubset(role.token_bound_cidrs, tokenCidrs)) throw internalError(subsetError(role.token_bound_cidrs, tokenCidrs));

  let numUses = role.secret_id_num_uses;
  if (input.numUses !== undefined) {
    numUses = input.numUses;
    if (numUses < 0) throw badRequest('num_uses cannot be negative');
    if (role.secret_id_num_uses > 0 && (numUses === 0 || numUses > role.secret_id_num_uses)) {
      throw badRequest("num_uses cannot be higher than the role's secret_id_num_uses");
    }
  }

  let ttl = role.secret_id_ttl;
  if (input.ttl !== undefined) {
    ttl = input.ttl;
    if (role.secret_id_ttl > 0 && (ttl === 0 || ttl > role.secret_id_ttl)) {
      throw badRequest("ttl cannot be longer than the role's secret_id_ttl");
    }
  }

  const metadata = parseSecretIdMetadata(input.metadata);

  if (Buffer.byteLength(secretId) > MAX_HMAC_INPUT) {
    throw badRequest(`failed to store secret_id: failed to create HMAC of secret ID: value is longer than maximum of ${MAX_HMAC_INPUT} bytes`);
  }
  const effectiveTTL = effectiveSecretIdTTL(ttl, mountMaxTTL);
  const secretHmac = store.secretIdHmac(role, secretId);
  const entry: SecretIdEntry = {
    secret_id_hmac: secretHmac,
    secret_id_accessor: randomUUID(),
    secret_id_num_uses: numUses,
    secret_id_ttl: ttl,
    creation_time: now,
    expiration_time: effectiveTTL > 0 ? now + effectiveTTL * 1000 : 0,
    last_updated_time: now,
    metadata,
    cidr_list: cidrList,
    token_bound_cidrs: tokenCidrs,
  };
  if (!(await store.registerSecretId(role, secretHmac, entry))) {
    throw internalError('failed to store secret_id: SecretID is already registered');
  }
  return { secretId, entry, ttl: effectiveTTL };
}
