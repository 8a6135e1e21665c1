/**
 * Turning a login's AuthSpec into a token (spec/auth.md 2.2 step 3, 2.1, 2.3, 1.13): orphan,
 * path = request path, display name from the mount path, policies = role policies + `default`,
 * type from the mount tune and the role, TTL from the mount's effective TTLs and the role.
 */
import { badRequest } from '../../errors.ts';
import type { AuthSpec } from '../../framework/types.ts';
import type { IssuedToken, TokenStoreApi, TokenType } from '../contracts.ts';
import { calcTTL } from '../ttl.ts';
import { authBlock } from './describe.ts';
import { loginDisplayName } from './ids.ts';
import { NON_ASSIGNABLE_POLICIES, normalizePolicies } from './policies.ts';
import type { TokenStore } from './store.ts';

export type LoginInput = Parameters<TokenStoreApi['issueForLogin']>[0];

/** Mount tune `token_type` x role `token_type` (spec/auth.md 1.13). */
export function loginTokenType(mountTokenType: string, roleType: AuthSpec['tokenType']): TokenType {
  switch (mountTokenType) {
    case 'service':
    case 'batch':
      return mountTokenType;
    case 'default-batch':
      return roleType === 'default' || roleType === 'default-batch' || roleType === 'batch' ? 'batch' : 'service';
    default:
      return roleType === 'default' || roleType === 'default-service' || roleType === 'service' ? 'service' : 'batch';
  }
}

export async function issueLoginToken(store: TokenStore, input: LoginInput): Promise<IssuedToken> {
  const auth = input.auth;
  const policies = normalizePolicies(auth.policies, !auth.noDefaultPolicy);
  const identityPolicies = normalizePolicies(input.identityPolicies);
  for (const p of normalizePolicies([...policies, ...identityPolicies])) {
    if (p === 'root') throw badRequest('auth methods cannot create root tokens');
    if (NON_ASSIGNABLE_POLICIES.includes(p)) throw badRequest(`cannot assign policy "${p}"`);
  }

  const type = loginTokenType(input.mountTokenType, auth.tokenType);
  const batch = type === 'batch';
  const now = store.now();
  const nowSec = Math.floor(now / 1000);
  const { ttl, warnings } = calcTTL({
    increment: 0,
    backendTTL: auth.ttl,
    period: auth.period,
    backendMaxTTL: auth.maxTTL,
    explicitMaxTTL: auth.explicitMaxTTL,
    startMs: nowSec * 1000,
    mountDefaultTTL: input.mountDefaultTTL,
    mountMaxTTL: input.mountMaxTTL,
    nowMs: nowSec * 1000,
  });

  const renewable = batch ? false : auth.renewable;
  const { token, entry } = await store.mint({
    policies,
    parentHash: '',
    path: input.path,
    meta: auth.metadata,
    displayName: loginDisplayName(input.mountPath, auth.displayName),
    numUses: batch ? 0 : auth.numUses,
    creationTime: nowSec,
    ttl,
    explicitMaxTTL: batch ? 0 : auth.explicitMaxTTL,
    period: batch ? 0 : auth.period,
    role: '',
    entityId: input.entityId,
    type,
    boundCIDRs: [...auth.boundCIDRs],
    expireTime: ttl > 0 ? now + ttl * 1000 : 0,
    issueTime: now,
    lastRenewalTime: 0,
    renewable,
    mountAccessor: input.mountAccessor,
    internalData: auth.internalData,
  });
  const block = authBlock(entry, { clientToken: token, leaseDuration: ttl, renewable, identityPolicies });
  return { token, entry, authBlock: block, warnings };
}
