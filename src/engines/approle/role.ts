/**
 * AppRole roles (spec/auth.md 5.2, 5.3): the stored shape, the write rules applied to a request
 * (create fills defaults; update keeps omitted fields), and the read `data`.
 */
import { randomUUID } from 'node:crypto';
import { badRequest } from '../../errors.ts';
import { formatGoDuration } from '../../framework/duration.ts';
import { normalizePolicies } from '../../core/token/policies.ts';
import { cleanList, isAddressOrBlock, isCidrBlock } from './cidr.ts';

/** Role names: `\w([\w.-]*\w)?`, matched case-insensitively. */
export const ROLE_NAME_PATTERN = '\\w(?:[\\w.-]*\\w)?';
export const MAX_HMAC_INPUT = 4096;

export type RoleTokenType = 'default' | 'service' | 'batch';

export interface RoleEntry {
  /** Lower-case name. */
  name: string;
  role_id: string;
  /** Per-role HMAC key (UUID) for secret-ID storage keys. */
  hmac_key: string;
  bind_secret_id: boolean;
  /** null until written (read shows `null`). */
  secret_id_bound_cidrs: string[] | null;
  secret_id_num_uses: number;
  secret_id_ttl: number;
  local_secret_ids: boolean;
  token_ttl: number;
  token_max_ttl: number;
  token_explicit_max_ttl: number;
  token_period: number;
  token_policies: string[];
  token_bound_cidrs: string[];
  token_no_default_policy: boolean;
  token_num_uses: number;
  token_type: RoleTokenType;
  /** Legacy `policies` (non-empty only when written under that name). */
  policies: string[];
  /** Legacy `period` (non-zero only when written under that name). */
  period: number;
}

/** The supplied fields of a role write (undefined = not supplied). */
export interface RoleInput {
  role_id?: string;
  bind_secret_id?: boolean;
  secret_id_bound_cidrs?: string[];
  bound_cidr_list?: string[];
  secret_id_num_uses?: number;
  secret_id_ttl?: number;
  local_secret_ids?: boolean;
  token_ttl?: number;
  token_max_ttl?: number;
  token_explicit_max_ttl?: number;
  token_period?: number;
  period?: number;
  token_policies?: string[];
  policies?: string[];
  token_bound_cidrs?: string[];
  token_no_default_policy?: boolean;
  token_num_uses?: number;
  token_type?: string;
}

export function newRole(name: string): RoleEntry {
  return {
    name,
    role_id: '',
    hmac_key: randomUUID(),
    bind_secret_id: true,
    secret_id_bound_cidrs: null,
    secret_id_num_uses: 0,
    secret_id_ttl: 0,
    local_secret_ids: false,
    token_ttl: 0,
    token_max_ttl: 0,
    token_explicit_max_ttl: 0,
    token_period: 0,
    token_policies: [],
    token_bound_cidrs: [],
    token_no_default_policy: false,
    token_num_uses: 0,
    token_type: 'default',
    policies: [],
    period: 0,
  };
}

export interface RoleWriteResult {
  role: RoleEntry;
  warnings: string[];
}

function tokenType(raw: string, warnings: string[]): RoleTokenType {
  switch (raw) {
    case '':
    case 'default':
      return 'default';
    case 'service':
    case 'batch':
      return raw;
    case 'default-service':
      warnings.push('default-service has no useful meaning; adjusting to service');
      return 'service';
    case 'default-batch':
      warnings.push('default-batch has no useful meaning; adjusting to batch');
      return 'batch';
    default:
      throw badRequest(`invalid 'token_type' value ${JSON.stringify(raw)}`);
  }
}

/** The `token_*` rules shared by every auth method (Vault's tokenutil order). */
function applyTokenFields(role: RoleEntry, input: RoleInput, warnings: string[]): void {
  if (input.token_bound_cidrs !== undefined) {
    const list = cleanList(input.token_bound_cidrs);
    for (const c of list) {
      if (!isAddressOrBlock(c)) throw badRequest(`error parsing token_bound_cidrs: invalid IP address or CIDR block ${JSON.stringify(c)}`);
    }
    role.token_bound_cidrs = list;
  }
  if (input.token_explicit_max_ttl !== undefined) role.token_explicit_max_ttl = input.token_explicit_max_ttl;
  if (input.token_max_ttl !== undefined) role.token_max_ttl = input.token_max_ttl;
  if (input.token_no_default_policy !== undefined) role.token_no_default_policy = input.token_no_default_policy;
  if (input.token_period !== undefined) role.token_period = input.token_period;
  if (input.token_policies !== undefined) role.token_policies = cleanList(input.token_policies);
  if (input.token_type !== undefined) role.token_type = tokenType(input.token_type.trim(), warnings);
  if (input.token_num_uses !== undefined) role.token_num_uses = input.token_num_uses;
  if (role.token_num_uses < 0) throw badRequest("'token_num_uses' cannot be negative");
  if (role.token_type === 'batch') {
    if (role.token_period !== 0) throw badRequest("'token_type' cannot be 'batch' or 'default_batch' when set to generate periodic tokens");
    if (role.token_num_uses !== 0) {
      throw badRequest("'token_type' cannot be 'batch' or 'default_batch' when set to generate tokens with limited use count");
    }
  }
  if (input.token_ttl !== undefined) role.token_ttl = input.token_ttl;
  if (role.token_ttl > 0 && role.token_max_ttl > 0 && role.token_ttl > role.token_max_ttl) {
    throw badRequest("'token_ttl' cannot be greater than 'token_max_ttl'");
  }
}

/** Legacy names (`policies`, `period`): the new name wins; writing only the new name clears the old. */
function applyLegacy(role: RoleEntry, input: RoleInput): void {
  if (input.token_policies === undefined) {
    if (input.policies !== undefined) {
      role.policies = normalizePolicies(input.policies);
      role.token_policies = [...role.policies];
    }
  } else {
    role.policies = input.policies !== undefined ? [...role.token_policies] : [];
  }
  if (input.token_period === undefined) {
    if (input.period !== undefined) {
      role.period = input.period;
      role.token_period = input.period;
    }
  } else {
    role.period = input.period !== undefined ? role.token_period : 0;
  }
}

/**
 * Applies a write to `existing` (or a new role when undefined) and validates it. `mountMaxTTL`
 * is the mount's effective max lease TTL. Throws 400 with Vault's messages; the constraint and
 * role_id-uniqueness checks (500) happen in the store.
 */
export function applyRoleWrite(name: string, existing: RoleEntry | undefined, input: RoleInput, mountMaxTTL: number): RoleWriteResult {
  const creating = existing === undefined;
  const role: RoleEntry = existing ? structuredClone(existing) : newRole(name);
  const warnings: string[] = [];

  applyTokenFields(role, input, warnings);

  if (input.local_secret_ids !== undefined) {
    if (!creating) throw badRequest('local_secret_ids can only be modified during role creation');
    role.local_secret_ids = input.local_secret_ids;
  }

  if (input.role_id !== undefined) role.role_id = input.role_id;
  else if (creating) role.role_id = randomUUID();
  if (role.role_id === '') throw badRequest('invalid role_id supplied, or failed to generate a role_id');
  if (Buffer.byteLength(role.role_id) > MAX_HMAC_INPUT) throw badRequest(`role_id is longer than maximum of ${MAX_HMAC_INPUT} bytes`);

  if (input.bind_secret_id !== undefined) role.bind_secret_id = input.bind_secret_id;

  const boundCidrs = input.secret_id_bound_cidrs ?? input.bound_cidr_list;
  if (boundCidrs !== undefined) role.secret_id_bound_cidrs = cleanList(boundCidrs);
  if (role.secret_id_bound_cidrs && role.secret_id_bound_cidrs.some((c) => !isCidrBlock(c))) throw badRequest('invalid CIDR blocks');

  if (input.secret_id_num_uses !== undefined) role.secret_id_num_uses = input.secret_id_num_uses;
  if (role.secret_id_num_uses < 0) throw badRequest('secret_id_num_uses cannot be negative');
  if (input.secret_id_ttl !== undefined) role.secret_id_ttl = input.secret_id_ttl;

  applyLegacy(role, input);

  if (role.period > mountMaxTTL) {
    throw badRequest(
      `period of ${JSON.stringify(formatGoDuration(role.period))} is greater than the backend's maximum lease TTL of ${JSON.stringify(formatGoDuration(mountMaxTTL))}`,
    );
  }
  if (role.token_max_ttl > mountMaxTTL) {
    warnings.push("token_max_ttl is greater than the backend mount's maximum TTL value; issued tokens' max TTL value will be truncated");
  }
  return { role, warnings };
}

/** At least one of bind_secret_id, secret_id_bound_cidrs, token_bound_cidrs. */
export function hasConstraint(role: RoleEntry): boolean {
  return role.bind_secret_id || (role.secret_id_bound_cidrs?.length ?? 0) > 0 || role.token_bound_cidrs.length > 0;
}

/** The `data` of `GET role/:name` (role_id has its own endpoint). */
export function roleReadData(role: RoleEntry): Record<string, unknown> {
  const data: Record<string, unknown> = {
    bind_secret_id: role.bind_secret_id,
    local_secret_ids: role.local_secret_ids,
    secret_id_bound_cidrs: role.secret_id_bound_cidrs,
    secret_id_num_uses: role.secret_id_num_uses,
    secret_id_ttl: role.secret_id_ttl,
    token_bound_cidrs: [...role.token_bound_cidrs],
    token_explicit_max_ttl: role.token_explicit_max_ttl,
    token_max_ttl: role.token_max_ttl,
    token_no_default_policy: role.token_no_default_policy,
    token_num_uses: role.token_num_uses,
    token_period: role.token_period,
    token_policies: [...role.token_policies],
    token_ttl: role.token_ttl,
    token_type: role.token_type,
  };
  if (role.period !== 0) data.period = role.period;
  if (role.policies.length > 0) data.policies = [...role.policies];
  return data;
}
