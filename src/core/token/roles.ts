/**
 * Token-store roles (spec/auth.md 1.11): the stored shape, create/update semantics (omitted
 * fields keep their value on update), legacy field names, validation, and the read response.
 */
import { badRequest } from '../../errors.ts';
import { parseCidrList } from './cidr.ts';
import { normalizePolicies, uniqueLower } from './policies.ts';

export type RoleTokenType = 'service' | 'batch' | 'default-service' | 'default-batch';

export interface TokenRole {
  name: string;
  allowedPolicies: string[];
  disallowedPolicies: string[];
  allowedPoliciesGlob: string[];
  disallowedPoliciesGlob: string[];
  orphan: boolean;
  renewable: boolean;
  pathSuffix: string;
  /** null until set (the read response shows `null`). */
  allowedEntityAliases: string[] | null;
  /** Legacy names: non-zero only when written under the legacy name. */
  period: number;
  explicitMaxTTL: number;
  boundCIDRs: string[];
  tokenPeriod: number;
  tokenExplicitMaxTTL: number;
  tokenBoundCIDRs: string[];
  tokenNoDefaultPolicy: boolean;
  tokenNumUses: number;
  tokenType: RoleTokenType;
}

/** A role write; undefined = the field was not supplied. */
export interface RoleInput {
  allowedPolicies?: string[];
  disallowedPolicies?: string[];
  allowedPoliciesGlob?: string[];
  disallowedPoliciesGlob?: string[];
  orphan?: boolean;
  renewable?: boolean;
  pathSuffix?: string;
  allowedEntityAliases?: string[];
  period?: number;
  explicitMaxTTL?: number;
  boundCIDRs?: string[];
  tokenPeriod?: number;
  tokenExplicitMaxTTL?: number;
  tokenBoundCIDRs?: string[];
  tokenNoDefaultPolicy?: boolean;
  tokenNumUses?: number;
  /** null = JSON null was sent. */
  tokenType?: string | null;
}

/** Role names as Vault's GenericNameRegex accepts them. */
export const ROLE_NAME_PATTERN = '\\w(?:[\\w.-]*\\w)?';

const PATH_SUFFIX = /\w[\w\-.]+\w/;

function emptyRole(name: string): TokenRole {
  return {
    name,
    allowedPolicies: [],
    disallowedPolicies: [],
    allowedPoliciesGlob: [],
    disallowedPoliciesGlob: [],
    orphan: false,
    renewable: true,
    pathSuffix: '',
    allowedEntityAliases: null,
    period: 0,
    explicitMaxTTL: 0,
    boundCIDRs: [],
    tokenPeriod: 0,
    tokenExplicitMaxTTL: 0,
    tokenBoundCIDRs: [],
    tokenNoDefaultPolicy: false,
    tokenNumUses: 0,
    tokenType: 'default-service',
  };
}

function parseRoleTokenType(value: string | null): RoleTokenType {
  if (value === null) throw badRequest("Invalid 'token_type' value: null");
  switch (value) {
    case 'service':
    case 'batch':
    case 'default-service':
    case 'default-batch':
      return value;
    default:
      throw badRequest(`invalid 'token_type' value ${JSON.stringify(value)}`);
  }
}

/**
 * Applies a write to a role (a new one when `existing` is undefined). `mountMaxTTL` is the token
 * mount's effective max TTL (for the explicit-max warning). Throws 400 on invalid input.
 */
export function applyRoleInput(
  name: string,
  existing: TokenRole | undefined,
  input: RoleInput,
  mountMaxTTL: number,
): { role: TokenRole; warnings: string[] } {
  if (name === '') throw badRequest('role name cannot be empty');
  const role: TokenRole = existing ? structuredClone(existing) : emptyRole(name);
  const warnings: string[] = [];

  if (input.orphan !== undefined) role.orphan = input.orphan;
  if (input.renewable !== undefined) role.renewable = input.renewable;
  if (input.pathSuffix !== undefined) {
    if (input.pathSuffix !== '' && !PATH_SUFFIX.test(input.pathSuffix)) {
      throw badRequest(`given role path suffix contains invalid characters; must match ${PATH_SUFFIX.source.replace('\\-', '-')}`);
    }
    role.pathSuffix = input.pathSuffix;
  }
  if (role.pathSuffix.includes('..')) {
    throw badRequest('error registering path suffix: path cannot contain parent references');
  }
  if (input.allowedPolicies !== undefined) role.allowedPolicies = normalizePolicies(input.allowedPolicies);
  if (input.disallowedPolicies !== undefined) role.disallowedPolicies = uniqueLower(input.disallowedPolicies);
  if (input.allowedPoliciesGlob !== undefined) role.allowedPoliciesGlob = normalizePolicies(input.allowedPoliciesGlob);
  if (input.disallowedPoliciesGlob !== undefined) role.disallowedPoliciesGlob = uniqueLower(input.disallowedPoliciesGlob);

  if (input.tokenNoDefaultPolicy !== undefined) role.tokenNoDefaultPolicy = input.tokenNoDefaultPolicy;
  if (input.tokenNumUses !== undefined) {
    if (input.tokenNumUses < 0) throw badRequest("error parsing role fields: 'token_num_uses' cannot be negative");
    role.tokenNumUses = input.tokenNumUses;
  }
  if (input.tokenType !== undefined) role.tokenType = parseRoleTokenType(input.tokenType);

  if (input.tokenPeriod !== undefined) {
    if (input.period !== undefined) warnings.push("Both 'token_period' and deprecated 'period' value supplied, ignoring the deprecated value");
    role.tokenPeriod = input.tokenPeriod;
    role.period = 0;
  } else if (input.period !== undefined) {
    role.period = input.period;
    role.tokenPeriod = input.period;
  }

  if (input.tokenBoundCIDRs !== undefined) {
    if (input.boundCIDRs !== undefined) warnings.push("Both 'token_bound_cidrs' and deprecated 'bound_cidrs' value supplied, ignoring the deprecated value");
    role.tokenBoundCIDRs = parseCidrList(input.tokenBoundCIDRs, 'token_bound_cidrs');
    role.boundCIDRs = [];
  } else if (input.boundCIDRs !== undefined) {
    role.boundCIDRs = parseCidrList(input.boundCIDRs);
    role.tokenBoundCIDRs = [...role.boundCIDRs];
  }

  if (input.tokenExplicitMaxTTL !== undefined) {
    if (input.explicitMaxTTL !== undefined) {
      warnings.push("Both 'token_explicit_max_ttl' and deprecated 'explicit_max_ttl' value supplied, ignoring the deprecated value");
    }
    role.tokenExplicitMaxTTL = input.tokenExplicitMaxTTL;
    role.explicitMaxTTL = 0;
  } else if (input.explicitMaxTTL !== undefined) {
    role.explicitMaxTTL = input.explicitMaxTTL;
    role.tokenExplicitMaxTTL = input.explicitMaxTTL;
  }
  if (role.tokenExplicitMaxTTL !== 0 && mountMaxTTL !== 0 && role.tokenExplicitMaxTTL > mountMaxTTL) {
    warnings.push(
      `Given explicit max TTL of ${role.tokenExplicitMaxTTL} is greater than system/mount allowed value of ${mountMaxTTL} seconds; until this is fixed attempting to create tokens against this role will result in an error`,
    );
  }

  if (role.tokenType === 'batch') {
    if (!role.orphan) throw badRequest("'token_type' cannot be 'batch' when role is set to generate non-orphan tokens");
    if (role.period !== 0 || role.tokenPeriod !== 0) {
      throw badRequest("'token_type' cannot be 'batch' when role is set to generate periodic tokens");
    }
    if (role.renewable) throw badRequest("'token_type' cannot be 'batch' when role is set to generate renewable tokens");
    if (role.explicitMaxTTL !== 0 || role.tokenExplicitMaxTTL !== 0) {
      throw badRequest("'token_type' cannot be 'batch' when role is set to generate tokens with an explicit max TTL");
    }
  }

  if (input.allowedEntityAliases !== undefined) role.allowedEntityAliases = uniqueLower(input.allowedEntityAliases);
  return { role, warnings };
}

/** The `data` of `GET auth/token/roles/:name`. */
export function roleReadData(role: TokenRole): Record<string, unknown> {
  const data: Record<string, unknown> = {
    allowed_entity_aliases: role.allowedEntityAliases,
    allowed_policies: role.allowedPolicies,
    allowed_policies_glob: role.allowedPoliciesGlob,
    disallowed_policies: role.disallowedPolicies,
    disallowed_policies_glob: role.disallowedPoliciesGlob,
    explicit_max_ttl: role.explicitMaxTTL,
    name: role.name,
    orphan: role.orphan,
    path_suffix: role.pathSuffix,
    period: role.period,
    renewable: role.renewable,
    token_explicit_max_ttl: role.tokenExplicitMaxTTL,
    token_no_default_policy: role.tokenNoDefaultPolicy,
    token_period: role.tokenPeriod,
    token_type: role.tokenType,
  };
  if (role.tokenBoundCIDRs.length > 0) data.token_bound_cidrs = role.tokenBoundCIDRs;
  if (role.boundCIDRs.length > 0) data.bound_cidrs = role.boundCIDRs;
  if (role.tokenNumUses > 0) data.token_num_uses = role.tokenNumUses;
  return data;
}
