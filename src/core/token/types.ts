/** Dependencies and request shapes of the token store. */
import type { StorageView } from '../../framework/types.ts';
import type { ExpirationApi, IdentityApi, PolicyStoreApi, TokenEntry } from '../contracts.ts';

export interface TokenMountInfo {
  accessor: string;
  /** Effective default and max TTL of `auth/token` (seconds). */
  defaultTTL: number;
  maxTTL: number;
  /** token_type tune of `auth/token` (informational; the token store decides types itself). */
  tokenType: string;
}

/**
 * What an auth method's renew hook answers (spec/auth.md 1.6, renew row): the role's current
 * values. A field left undefined keeps the token's own value (ttl: the lease's current TTL,
 * period: the token's period, maxTTL: none). The mount TTLs, when given, are the issuing mount's
 * effective TTLs; otherwise `mountTTLs` (or the token mount) is used.
 */
export interface AuthRenewResult {
  ttl?: number;
  maxTTL?: number;
  period?: number;
  mountDefaultTTL?: number;
  mountMaxTTL?: number;
}

export interface TokenStoreDeps {
  /** Barrier view for token data, e.g. `sys/token/`. */
  view: StorageView;
  policies: Pick<PolicyStoreApi, 'get'>;
  expiration: Pick<ExpirationApi, 'registerToken' | 'unregisterToken' | 'revokeByToken'>;
  identity: Pick<IdentityApi, 'loginAlias' | 'contextFor'>;
  tokenMount: () => TokenMountInfo;
  /** Called for every revoked service token (core clears its cubbyhole). */
  onRevoke: (entry: TokenEntry) => Promise<void>;
  /** Renew hook of the auth method that issued a (non token-store) token. */
  authRenew?: (entry: TokenEntry) => Promise<AuthRenewResult>;
  /** Effective TTLs of an auth mount by accessor (renewals of plugin-issued tokens). */
  mountTTLs?: (mountAccessor: string) => { defaultTTL: number; maxTTL: number } | undefined;
  /**
   * False when an auth mount accessor no longer exists. Batch tokens are not persisted, so a
   * disabled mount cannot revoke them; with this hook they stop working at once.
   */
  mountActive?: (mountAccessor: string) => boolean;
  /** Unix ms clock (tests). */
  now?: () => number;
}

/** A token-create request (`auth/token/create*`); undefined = the parameter was not supplied. */
export interface CreateTokenInput {
  /** The caller's token as presented: the parent. */
  parentToken: string;
  /** Caller holds sudo (or root) on the request path. */
  sudo: boolean;
  /** Request path relative to the mount: `create`, `create-orphan`, `create/<role>`. */
  requestPath: string;
  /** create-orphan. */
  orphan: boolean;
  /** create/:role_name. */
  roleName?: string;
  id?: string;
  policies?: string[];
  meta?: Record<string, string> | null;
  noParent?: boolean;
  noDefaultPolicy?: boolean;
  renewable?: boolean;
  ttl?: number;
  /** Legacy name of ttl. */
  lease?: number;
  type?: string;
  explicitMaxTTL?: number;
  displayName?: string;
  numUses?: number;
  period?: number;
  entityAlias?: string;
}

/** The outcome of a renewal. */
export interface RenewResult {
  entry: TokenEntry;
  authBlock: Record<string, unknown>;
  warnings: string[];
}
