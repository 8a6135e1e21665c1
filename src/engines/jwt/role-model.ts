/**
 * JWT roles (spec/auth.md 3.3): the stored shape, a write applied in Vault's order with its
 * messages (including the two quirks: `role_type` and `bound_claims_type` fall back to their
 * defaults on every write that omits them), the Keep extensions, and the read `data`.
 */
import { badRequest } from '../../errors.ts';
import { formatGoDuration } from '../../framework/duration.ts';
import { parseCidrList } from '../../core/token/cidr.ts';
import { normalizePolicies } from '../../core/token/policies.ts';
import { formatValue, normalizeList } from './claims.ts';

export type RoleTokenType = 'default' | 'service' | 'batch';

export interface JwtRole {
  role_type: 'jwt' | 'oidc';
  user_claim: string;
  user_claim_json_pointer: boolean;
  bound_audiences: string[] | null;
  bound_subject: string;
  /** Values keep their JSON number text (LosslessNumber where needed). */
  bound_claims: Record<string, unknown> | null;
  bound_claims_type: 'string' | 'glob';
  claim_mappings: Record<string, string> | null;
  groups_claim: string;
  clock_skew_leeway: number;
  expiration_leeway: number;
  not_before_leeway: number;
  oidc_scopes: string[] | null;
  allowed_redirect_uris: string[] | null;
  verbose_oidc_logging: boolean;
  max_age: number;
  token_ttl: number;
  token_max_ttl: number;
  token_explicit_max_ttl: number;
  token_period: number;
  token_policies: string[];
  token_bound_cidrs: string[];
  token_no_default_policy: boolean;
  token_num_uses: number;
  token_type: RoleTokenType;
  /** Legacy names (non-empty only when written under them). */
  policies: string[];
  bound_cidrs: string[];
  ttl: number;
  max_ttl: number;
  period: number;
  num_uses: number;
  /** Keep: a job token logs in once. */
  jti_single_use: boolean;
  /** Keep: the issued token never outlives the JWT's exp. */
  token_expires_with_jwt: boolean;
  /** Keep: CEL expression over `claims` and `now` (text; compiled in memory). */
  claims_condition: string;
  /** Keep: the issuers (iss values) this role accepts; empty = any the config trusts. */
  bound_issuers: string[];
}

/** The supplied fields of a role write (undefined = not supplied). */
export interface RoleInput {
  role_type?: string;
  user_claim?: string;
  user_claim_json_pointer?: boolean;
  bound_audiences?: string[];
  bound_subject?: string;
  bound_claims?: Record<string, unknown>;
  bound_claims_type?: string;
  claim_mappings?: Record<string, string>;
  groups_claim?: string;
  clock_skew_leeway?: number;
  expiration_leeway?: number;
  not_before_leeway?: number;
  oidc_scopes?: string[];
  allowed_redirect_uris?: string[];
  verbose_oidc_logging?: boolean;
  max_age?: number;
  token_ttl?: number;
  token_max_ttl?: number;
  token_explicit_max_ttl?: number;
  token_period?: number;
  token_policies?: string[];
  token_bound_cidrs?: string[];
  token_no_default_policy?: boolean;
  token_num_uses?: number;
  token_type?: string;
  policies?: string[];
  bound_cidrs?: string[];
  ttl?: number;
  max_ttl?: number;
  period?: number;
  num_uses?: number;
  jti_single_use?: boolean;
  token_expires_with_jwt?: boolean;
  claims_condition?: string;
  bound_issuers?: string[];
}

export const RESERVED_METADATA = ['role'];

export function newRole(): JwtRole {
  return {
    role_type: 'oidc',
    user_claim: '',
    user_claim_json_pointer: false,
    bound_audiences: null,
    bound_subject: '',
    bound_claims: null,
    bound_claims_type: 'string',
    claim_mappings: null,
    groups_claim: '',
    clock_skew_leeway: 0,
    expiration_leeway: 0,
    not_before_leeway: 0,
    oidc_scopes: null,
    allowed_redirect_uris: null,
    verbose_oidc_logging: false,
    max_age: 0,
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
    bound_cidrs: [],
    ttl: 0,
    max_ttl: 0,
    period: 0,
    num_uses: 0,
    jti_single_use: false,
    token_expires_with_jwt: false,
    claims_condition: '',
    bound_issuers: [],
  };
}

/** A stored role with fields added after it was written filled in. */
export function completeRole(stored: Partial<JwtRole>): JwtRole {
  return { ...newRole(), ...stored };
}

const VERBOSE_WARNING =
  'verbose_oidc_logging has been enabled for this role. This is not recommended in production since sensitive information may be present in OIDC responses.';
const MAX_TTL_WARNING =
  "token max ttl is greater than the system or backend mount's maximum TTL value; issued tokens' max TTL value will be truncated";

/** tokenutil's ParseTokenFields, in its order. */
function applyTokenFields(role: JwtRole, input: RoleInput): void {
  if (input.token_bound_cidrs !== undefined) role.token_bound_cidrs = parseCidrList(input.token_bound_cidrs, 'token_bound_cidrs');
  if (input.token_explicit_max_ttl !== undefined) role.token_explicit_max_ttl = input.token_explicit_max_ttl;
  if (input.token_max_ttl !== undefined) role.token_max_ttl = input.token_max_ttl;
  if (input.token_no_default_policy !== undefined) role.token_no_default_policy = input.token_no_default_policy;
  if (input.token_period !== undefined) role.token_period = input.token_period;
  if (input.token_policies !== undefined) role.token_policies = input.token_policies.filter((p) => p !== '');
  if (input.token_type !== undefined) {
    switch (input.token_type) {
      case '':
      case 'default':
        role.token_type = 'default';
        break;
      case 'service':
      case 'batch':
        role.token_type = input.token_type;
        break;
      default:
        throw badRequest(`invalid 'token_type' value ${JSON.stringify(input.token_type)}`);
    }
  }
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
  if (input.token_num_uses !== undefined) role.token_num_uses = input.token_num_uses;
  if (role.token_num_uses < 0) throw badRequest("'token_num_uses' cannot be negative");
}

/** tokenutil.UpgradeValue: a legacy name alone sets both; the new name alone clears the legacy one. */
function upgrade<K extends 'policies' | 'bound_cidrs' | 'num_uses' | 'ttl' | 'max_ttl' | 'period'>(
  role: JwtRole,
  input: RoleInput,
  oldKey: K,
  newKey: 'token_policies' | 'token_bound_cidrs' | 'token_num_uses' | 'token_ttl' | 'token_max_ttl' | 'token_period',
  convert: (v: NonNullable<RoleInput[K]>) => JwtRole[K],
  zero: JwtRole[K],
): void {
  const r = role as unknown as Record<string, unknown>;
  if (input[newKey] === undefined) {
    const raw = input[oldKey];
    if (raw !== undefined) {
      const v = convert(raw as NonNullable<RoleInput[K]>);
      r[oldKey] = v;
      r[newKey] = Array.isArray(v) ? [...v] : v;
    }
  } else {
    const v = r[newKey];
    r[oldKey] = input[oldKey] !== undefined ? (Array.isArray(v) ? [...v] : v) : zero;
  }
}

function checkGlobValues(claims: Record<string, unknown>): void {
  for (const value of Object.values(claims)) {
    const list = normalizeList(value);
    if (!list) throw badRequest(`claim is not a string or list: ${formatValue(value)}`);
    for (const v of list) if (typeof v !== 'string') throw badRequest(`claim is not a string: ${formatValue(v)}`);
  }
}

function checkClaimMappings(mappings: Record<string, string>): void {
  const targets = new Set<string>();
  for (const target of Object.values(mappings)) {
    if (RESERVED_METADATA.includes(target)) throw badRequest(`metadata key ${JSON.stringify(target)} is reserved and may not be a mapping destination`);
    if (targets.has(target)) throw badRequest(`multiple keys are mapped to metadata key ${JSON.stringify(target)}`);
    targets.add(target);
  }
}

const HOST_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$/;

/** bound_issuers entries: http(s) URLs (or a bare host name, as Google's `accounts.google.com`). */
export function checkBoundIssuers(list: readonly string[]): string[] {
  const out = list.map((s) => s.trim()).filter((s) => s !== '');
  for (const iss of out) {
    let ok = HOST_NAME.test(iss);
    if (!ok) {
      try {
        const u = new URL(iss);
        ok = (u.protocol === 'https:' || u.protocol === 'http:') && u.host !== '';
      } catch {
        ok = false;
      }
    }
    if (!ok) throw badRequest(`invalid bound_issuers: ${JSON.stringify(iss)} is not an http(s) URL`, { field: 'bound_issuers' });
  }
  return out;
}

export interface RoleWriteResult {
  role: JwtRole;
  warnings: string[];
}

/**
 * Applies a write to `existing` (or a new role) in Vault's order; throws 400 with its messages.
 * `mountMaxTTL` is the mount's effective max lease TTL. The claims_condition is compiled by the
 * caller (role-paths) after these checks.
 */
export function applyRoleWrite(existing: JwtRole | undefined, input: RoleInput, mountMaxTTL: number): RoleWriteResult {
  const role = existing ? structuredClone(existing) : newRole();
  const warnings: string[] = [];

  const roleType = input.role_type === undefined || input.role_type === '' ? 'oidc' : input.role_type;
  if (roleType !== 'jwt' && roleType !== 'oidc') throw badRequest(`invalid 'role_type': ${roleType}`);
  role.role_type = roleType;

  applyTokenFields(role, input);
  upgrade(role, input, 'policies', 'token_policies', (v) => normalizePolicies(v as string[]), []);
  upgrade(role, input, 'bound_cidrs', 'token_bound_cidrs', (v) => parseCidrList(v as string[], 'bound_cidrs'), []);
  upgrade(role, input, 'num_uses', 'token_num_uses', (v) => v as number, 0);
  upgrade(role, input, 'ttl', 'token_ttl', (v) => v as number, 0);
  upgrade(role, input, 'max_ttl', 'token_max_ttl', (v) => v as number, 0);
  upgrade(role, input, 'period', 'token_period', (v) => v as number, 0);

  if (role.token_period > mountMaxTTL) {
    throw badRequest(
      `'period' of '${JSON.stringify(formatGoDuration(role.token_period))}' is greater than the backend's maximum lease TTL of '${JSON.stringify(formatGoDuration(mountMaxTTL))}'`,
    );
  }

  if (input.expiration_leeway !== undefined) role.expiration_leeway = input.expiration_leeway;
  if (input.not_before_leeway !== undefined) role.not_before_leeway = input.not_before_leeway;
  if (input.clock_skew_leeway !== undefined) role.clock_skew_leeway = input.clock_skew_leeway;
  if (input.bound_audiences !== undefined) role.bound_audiences = input.bound_audiences.filter((a) => a !== '');
  if (input.bound_subject !== undefined) role.bound_subject = input.bound_subject;
  if (input.verbose_oidc_logging !== undefined) role.verbose_oidc_logging = input.verbose_oidc_logging;
  if (input.max_age !== undefined) role.max_age = input.max_age;

  const claimsType = input.bound_claims_type === undefined || input.bound_claims_type === '' ? 'string' : input.bound_claims_type;
  if (claimsType !== 'string' && claimsType !== 'glob') throw badRequest(`invalid 'bound_claims_type': ${claimsType}`);
  role.bound_claims_type = claimsType;

  if (input.bound_claims !== undefined) {
    role.bound_claims = input.bound_claims;
    if (claimsType === 'glob') checkGlobValues(role.bound_claims);
  }
  if (input.claim_mappings !== undefined) {
    checkClaimMappings(input.claim_mappings);
    role.claim_mappings = input.claim_mappings;
  }

  if (input.user_claim !== undefined) role.user_claim = input.user_claim;
  if (role.user_claim === '') throw badRequest('a user claim must be defined on the role');
  if (input.user_claim_json_pointer !== undefined) role.user_claim_json_pointer = input.user_claim_json_pointer;
  if (input.groups_claim !== undefined) role.groups_claim = input.groups_claim;
  if (input.oidc_scopes !== undefined) role.oidc_scopes = input.oidc_scopes;
  if (input.allowed_redirect_uris !== undefined) role.allowed_redirect_uris = input.allowed_redirect_uris;

  if (role.role_type === 'oidc' && (role.allowed_redirect_uris ?? []).length === 0) {
    throw badRequest("'allowed_redirect_uris' must be set if 'role_type' is 'oidc' or unspecified.");
  }

  // Keep extensions (after Vault's checks).
  if (input.jti_single_use !== undefined) role.jti_single_use = input.jti_single_use;
  if (input.token_expires_with_jwt !== undefined) role.token_expires_with_jwt = input.token_expires_with_jwt;
  if (input.claims_condition !== undefined) role.claims_condition = input.claims_condition.trim();
  if (input.bound_issuers !== undefined) role.bound_issuers = checkBoundIssuers(input.bound_issuers);

  if (role.role_type !== 'oidc') {
    const bound =
      (role.bound_audiences ?? []).length > 0 ||
      role.token_bound_cidrs.length > 0 ||
      role.bound_subject !== '' ||
      Object.keys(role.bound_claims ?? {}).length > 0 ||
      role.claims_condition !== '';
    if (!bound) throw badRequest('must have at least one bound constraint when creating/updating a role');
  }
  if (role.token_max_ttl > 0 && role.token_ttl > role.token_max_ttl) throw badRequest('ttl should not be greater than max ttl');

  if (role.token_max_ttl > mountMaxTTL) warnings.push(MAX_TTL_WARNING);
  if (role.verbose_oidc_logging) warnings.push(VERBOSE_WARNING);
  return { role, warnings };
}

/** The `data` of `GET role/:name`. */
export function roleReadData(role: JwtRole): Record<string, unknown> {
  const data: Record<string, unknown> = {
    allowed_redirect_uris: role.allowed_redirect_uris,
    bound_audiences: role.bound_audiences,
    bound_claims: role.bound_claims,
    bound_claims_type: role.bound_claims_type,
    bound_subject: role.bound_subject,
    claim_mappings: role.claim_mappings,
    clock_skew_leeway: role.clock_skew_leeway,
    expiration_leeway: role.expiration_leeway,
    groups_claim: role.groups_claim,
    max_age: role.max_age,
    not_before_leeway: role.not_before_leeway,
    oidc_scopes: role.oidc_scopes,
    role_type: role.role_type,
    token_bound_cidrs: [...role.token_bound_cidrs],
    token_explicit_max_ttl: role.token_explicit_max_ttl,
    token_max_ttl: role.token_max_ttl,
    token_no_default_policy: role.token_no_default_policy,
    token_num_uses: role.token_num_uses,
    token_period: role.token_period,
    token_policies: [...role.token_policies],
    token_ttl: role.token_ttl,
    token_type: role.token_type,
    user_claim: role.user_claim,
    user_claim_json_pointer: role.user_claim_json_pointer,
    verbose_oidc_logging: role.verbose_oidc_logging,
  };
  if (role.policies.length > 0) data.policies = [...role.token_policies];
  if (role.bound_cidrs.length > 0) data.bound_cidrs = [...role.token_bound_cidrs];
  if (role.ttl > 0) data.ttl = role.ttl;
  if (role.max_ttl > 0) data.max_ttl = role.max_ttl;
  if (role.period > 0) data.period = role.period;
  if (role.num_uses > 0) data.num_uses = role.num_uses;
  if (role.jti_single_use) data.jti_single_use = true;
  if (role.token_expires_with_jwt) data.token_expires_with_jwt = true;
  if (role.claims_condition !== '') data.claims_condition = role.claims_condition;
  if (role.bound_issuers.length > 0) data.bound_issuers = [...role.bound_issuers];
  return data;
}
