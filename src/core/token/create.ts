/**
 * auth/token/create, create-orphan and create/:role_name (spec/auth.md 1.4-1.6, 1.11). The
 * checks run in Vault's order so that the first failing one gives Vault's message.
 */
import { badRequest, forbidden } from '../../errors.ts';
import type { IssuedToken, TokenType } from '../contracts.ts';
import { calcTTL } from '../ttl.ts';
import { authBlock } from './describe.ts';
import { tokenDisplayName } from './ids.ts';
import { matchesAny, resolveCreatePolicies } from './policies.ts';
import type { TokenRole } from './roles.ts';
import type { TokenDraft, TokenStore } from './store.ts';
import type { CreateTokenInput } from './types.ts';

const truncSec = (ms: number): number => Math.floor(ms / 1000) * 1000;

function tokenTypeOf(input: CreateTokenInput, role: TokenRole | undefined): TokenType {
  let requested = input.type ?? '';
  if (role) {
    if (role.tokenType === 'default-batch' && requested === '') requested = 'batch';
    else if (role.tokenType === 'service' || role.tokenType === 'batch') requested = role.tokenType;
  }
  switch (requested) {
    case '':
    case 'service':
      return 'service';
    case 'batch': {
      const bad = input.explicitMaxTTL ? 'explicit_max_ttl' : input.numUses ? 'num_uses' : input.period ? 'period' : '';
      if (bad) throw badRequest(`batch tokens cannot have "${bad}" set`);
      return 'batch';
    }
    default:
      throw badRequest("invalid 'token_type' value");
  }
}

/** The request's entity alias resolved to an entity id through the token mount. */
async function entityFromAlias(store: TokenStore, alias: string, role: TokenRole | undefined): Promise<string> {
  if (!role) throw badRequest("'entity_alias' is only allowed in combination with token role");
  const allowed = role.allowedEntityAliases ?? [];
  const lower = alias.toLowerCase();
  if (!allowed.includes(lower) && !matchesAny(allowed, lower)) throw badRequest("invalid 'entity_alias' value");
  const mount = store.deps.tokenMount();
  const entity = await store.deps.identity.loginAlias({
    mountAccessor: mount.accessor,
    mountType: 'token',
    mountPath: 'auth/token/',
    name: alias,
    metadata: {},
  });
  if (entity.disabled) throw forbidden('entity from given entity alias is disabled');
  return entity.id;
}

export async function createToken(store: TokenStore, input: CreateTokenInput): Promise<IssuedToken> {
  let role: TokenRole | undefined;
  if (input.roleName !== undefined) {
    role = await store.getRole(input.roleName);
    if (!role) throw badRequest(`unknown role ${input.roleName}`);
  }

  const parent = await store.lookup(input.parentToken);
  if (!parent) throw badRequest('parent token lookup failed: no parent found');
  if (parent.type === 'batch') throw badRequest('batch tokens cannot create more tokens');
  if (parent.numUses > 0) throw badRequest('restricted use token cannot generate child tokens');

  let renewable = input.renewable ?? true;
  const type = tokenTypeOf(input, role);
  if (type === 'batch') renewable = false;

  let numUses = input.numUses ?? 0;
  if (numUses < 0) throw badRequest('number of uses cannot be negative');

  const explicitEntityId = input.entityAlias ? await entityFromAlias(store, input.entityAlias, role) : '';

  const mount = store.deps.tokenMount();
  let path = `auth/token/${input.requestPath}`;
  if (role) {
    if (!role.renewable) renewable = false;
    if (role.tokenNumUses !== 0 && (numUses === 0 || role.tokenNumUses < numUses)) numUses = role.tokenNumUses;
    if (role.pathSuffix) path = `${path}/${role.pathSuffix}`;
  }
  const displayName = tokenDisplayName(input.displayName);

  if (input.id && !input.sudo) throw badRequest('root or sudo privileges required to specify token id');

  const policies = resolveCreatePolicies({
    requested: input.policies,
    noDefaultPolicy: input.noDefaultPolicy ?? false,
    parentPolicies: parent.policies,
    sudo: input.sudo,
    role,
  });
  if (policies.includes('root')) {
    if (!parent.policies.includes('root')) throw badRequest('root tokens may not be created without parent token being root');
    if (type === 'batch') throw badRequest('batch tokens cannot be root tokens');
  }

  let orphan: boolean;
  let boundCIDRs: string[] = [];
  if (role) {
    orphan = role.orphan;
    if (role.tokenBoundCIDRs.length > 0) boundCIDRs = [...role.tokenBoundCIDRs];
  } else if (input.noParent) {
    if (!input.sudo) throw badRequest('root or sudo privileges required to create orphan token');
    orphan = true;
  } else {
    orphan = input.orphan;
  }

  let entityId = '';
  if (explicitEntityId) entityId = explicitEntityId;
  else if (!orphan) {
    entityId = parent.entityId;
    if (!role) boundCIDRs = [...parent.boundCIDRs];
  }

  const explicitMaxTTL = input.explicitMaxTTL ?? 0;
  if (explicitMaxTTL < 0) throw badRequest('explicit_max_ttl must be positive');
  const requestPeriod = input.period ?? 0;
  if (requestPeriod < 0) throw badRequest('period must be positive');
  if (requestPeriod > 0 && !input.sudo) throw badRequest('root or sudo privileges required to create periodic token');
  let ttl = input.ttl ?? 0;
  if (ttl < 0) throw badRequest('ttl must be positive');
  if (input.ttl === undefined && input.lease !== undefined) {
    if (input.lease < 0) throw badRequest('lease must be positive');
    ttl = input.lease;
  }

  const warnings: string[] = [];
  let maxToUse = explicitMaxTTL;
  let periodToUse = requestPeriod;
  if (role && type !== 'batch') {
    if (role.tokenExplicitMaxTTL !== 0) {
      if (maxToUse === 0) maxToUse = role.tokenExplicitMaxTTL;
      else {
        maxToUse = Math.min(maxToUse, role.tokenExplicitMaxTTL);
        warnings.push(`Explicit max TTL specified both during creation call and in role; using the lesser value of ${maxToUse} seconds`);
      }
    }
    if (role.tokenPeriod !== 0) {
      if (periodToUse === 0) periodToUse = role.tokenPeriod;
      else {
        periodToUse = Math.min(periodToUse, role.tokenPeriod);
        warnings.push(`Period specified both during creation call and in role; using the lesser value of ${periodToUse} seconds`);
      }
    }
  }

  const now = store.now();
  const creationTime = Math.floor(now / 1000);
  if (periodToUse > 0 || ttl > 0 || !policies.includes('root')) {
    const calc = calcTTL({
      increment: 0,
      backendTTL: ttl,
      period: periodToUse,
      backendMaxTTL: 0,
      explicitMaxTTL: maxToUse,
      startMs: creationTime * 1000,
      mountDefaultTTL: mount.defaultTTL,
      mountMaxTTL: mount.maxTTL,
      nowMs: truncSec(now),
    });
    warnings.push(...calc.warnings);
    ttl = calc.ttl;
  }
  if (ttl === 0 && maxToUse > 0) ttl = maxToUse;
  if (ttl === 0) {
    if (parent.ttl !== 0) throw badRequest('expiring root tokens cannot create non-expiring root tokens');
    renewable = false;
    boundCIDRs = [];
  }

  const draft: TokenDraft = {
    policies,
    parentHash: orphan ? '' : parent.hash,
    path,
    meta: input.meta ?? null,
    displayName,
    numUses: type === 'batch' ? 0 : numUses,
    creationTime,
    ttl,
    explicitMaxTTL: type === 'batch' ? 0 : explicitMaxTTL,
    period: type === 'batch' ? 0 : requestPeriod,
    role: role?.name ?? '',
    entityId,
    type,
    boundCIDRs,
    expireTime: ttl > 0 ? now + ttl * 1000 : 0,
    issueTime: now,
    lastRenewalTime: 0,
    renewable,
    mountAccessor: mount.accessor,
  };
  const { token, entry } = await store.mint(draft, input.id || undefined);
  warnings.push(...(await store.missingPolicyWarnings(entry.policies)));
  const block = authBlock(entry, {
    clientToken: token,
    leaseDuration: ttl,
    renewable,
    identityPolicies: await store.identityPolicies(entry),
  });
  return { token, entry, authBlock: block, warnings };
}
