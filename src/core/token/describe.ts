/**
 * What clients see of a token: the lookup object (spec/auth.md 1.10) and the `auth` block of a
 * token-issuing response (spec/auth.md 2.1).
 */
import { trimZeros } from '../../framework/time.ts';
import type { TokenEntry } from '../contracts.ts';
import { normalizePolicies, uniqueLower } from './policies.ts';

/** RFC 3339 in UTC with the fraction's trailing zeros trimmed (Go's time.RFC3339Nano). */
export function rfc3339Nano(ms: number): string {
  const iso = new Date(ms).toISOString(); // ...THH:MM:SS.mmmZ
  const dot = iso.length - 5;
  const frac = trimZeros(iso.slice(dot + 1, iso.length - 1));
  return frac === '' ? `${iso.slice(0, dot)}Z` : `${iso.slice(0, dot)}.${frac}Z`;
}

/** The token has lease times (every token except the root token generated at init). */
export function hasLease(entry: TokenEntry): boolean {
  return entry.issueTime > 0;
}

/** The TTL the lease was last given (creation or latest renewal), in seconds. */
export function currentLeaseTTL(entry: TokenEntry): number {
  if (entry.expireTime === 0) return 0;
  const base = entry.lastRenewalTime || entry.issueTime;
  return Math.max(0, Math.round((entry.expireTime - base) / 1000));
}

/** Remaining seconds, measured against `now` rounded to the second (as Vault does). */
export function remainingTTL(entry: TokenEntry, nowMs: number): number {
  if (entry.expireTime === 0) return 0;
  return Math.max(0, Math.trunc((entry.expireTime - Math.round(nowMs / 1000) * 1000) / 1000));
}

/** The lease would accept a renewal (lookup's `renewable`). */
export function leaseRenewable(entry: TokenEntry, nowMs: number): boolean {
  return entry.type === 'service' && entry.renewable && entry.expireTime > 0 && entry.expireTime > nowMs;
}

export interface LookupOptions {
  /** The token as the client presented it; '' for lookup-accessor. */
  id: string;
  nowMs: number;
  /** The entity's current identity policies. */
  identityPolicies: readonly string[];
}

/** The `data` of lookup, lookup-self and lookup-accessor (keys sorted like Vault's JSON). */
export function lookupData(entry: TokenEntry, opts: LookupOptions): Record<string, unknown> {
  const data: Record<string, unknown> = {
    accessor: entry.accessor,
    creation_time: entry.creationTime,
    creation_ttl: entry.ttl,
    display_name: entry.displayName,
    entity_id: entry.entityId,
    expire_time: entry.expireTime > 0 ? rfc3339Nano(entry.expireTime) : null,
    explicit_max_ttl: entry.explicitMaxTTL,
    id: opts.id,
    meta: entry.meta,
    num_uses: entry.numUses,
    orphan: entry.parentHash === '',
    path: entry.path,
    policies: entry.policies,
    ttl: remainingTTL(entry, opts.nowMs),
    type: entry.type,
  };
  if (entry.role) data.role = entry.role;
  if (entry.period !== 0) data.period = entry.period;
  if (entry.boundCIDRs.length > 0) data.bound_cidrs = entry.boundCIDRs;
  if (hasLease(entry)) {
    data.renewable = leaseRenewable(entry, opts.nowMs);
    data.issue_time = rfc3339Nano(entry.issueTime);
    if (entry.lastRenewalTime > 0) {
      data.last_renewal_time = Math.floor(entry.lastRenewalTime / 1000);
      data.last_renewal = rfc3339Nano(entry.lastRenewalTime);
    }
  }
  if (opts.identityPolicies.length > 0) {
    data.identity_policies = uniqueLower(opts.identityPolicies);
    data.external_namespace_policies = {};
  }
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(data).sort()) sorted[key] = data[key];
  return sorted;
}

export interface AuthBlockOptions {
  /** The token string returned to the client ('' for renew-accessor). */
  clientToken: string;
  leaseDuration: number;
  renewable: boolean;
  identityPolicies: readonly string[];
}

/** The `auth` block: token_policies / identity_policies are omitted when empty. */
export function authBlock(entry: TokenEntry, opts: AuthBlockOptions): Record<string, unknown> {
  const identity = normalizePolicies(opts.identityPolicies);
  const block: Record<string, unknown> = {
    client_token: opts.clientToken,
    accessor: entry.accessor,
    policies: normalizePolicies([...entry.policies, ...identity]),
  };
  if (entry.policies.length > 0) block.token_policies = entry.policies;
  if (identity.length > 0) block.identity_policies = identity;
  block.metadata = entry.meta;
  block.lease_duration = opts.leaseDuration;
  block.renewable = opts.renewable;
  block.entity_id = entry.entityId;
  block.token_type = entry.type;
  block.orphan = entry.parentHash === '';
  block.mfa_requirement = null;
  block.num_uses = entry.numUses;
  return block;
}
