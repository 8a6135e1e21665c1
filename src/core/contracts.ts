/**
 * The interfaces between core's services. Each service is built in its own folder of core/ and
 * wired together by Core (core.ts). Services reach each other only through these interfaces,
 * passed in at construction, never by importing each other's classes.
 */
import type { PasswordPolicyStore } from './password/store.ts';
import type { AuthSpec, CoreResult, Operation, SecretSpec, SecretType, StorageView, WrapInfo } from '../framework/types.ts';

// ---------------------------------------------------------------------------------------------
// Tokens (core/token/)

export type TokenType = 'service' | 'batch';

/** A persisted token entry (spec/auth.md 1.1). Stored under its salted hash, never the token. */
export interface TokenEntry {
  /** HMAC-SHA256 (hex) of the token string with the store's salt: its storage key. */
  hash: string;
  /** 24 base62 chars; '' for batch tokens. */
  accessor: string;
  policies: string[];
  /** Hash of the parent token; '' = orphan. */
  parentHash: string;
  /** Creation path: `auth/token/create`, `auth/jwt/login`, ... */
  path: string;
  meta: Record<string, string> | null;
  displayName: string;
  /** 0 = unlimited; remaining uses; -1 = final use in progress (revocation pending). */
  numUses: number;
  /** Unix seconds. */
  creationTime: number;
  /** Creation TTL in seconds (lookup's creation_ttl). */
  ttl: number;
  explicitMaxTTL: number;
  period: number;
  role: string;
  entityId: string;
  type: TokenType;
  boundCIDRs: string[];
  /** Unix ms; 0 = never expires. */
  expireTime: number;
  /** Unix ms of lease issue (lookup's issue_time); 0 = no lease (the init root token). */
  issueTime: number;
  /** Unix ms; 0 = never renewed. */
  lastRenewalTime: number;
  renewable: boolean;
  /** Accessor of the mount that issued it (auth/token's for token-store tokens). */
  mountAccessor: string;
  /** Key prefix of this token's cubbyhole. */
  cubbyholeId: string;
  /** Plugin data for the renew hook (role name, ...). */
  internalData?: Record<string, unknown>;
  /** Period and explicit max given in the create request (token-store roles re-read the role). */
  createPeriod?: number;
}

/** The result of validating the token of a request. */
export interface CheckedToken {
  entry: TokenEntry;
  /** The token as the client presented it. */
  raw: string;
  /** True when this request consumed the final use: core revokes the token after responding. */
  finalUse: boolean;
}

export interface IssuedToken {
  token: string;
  entry: TokenEntry;
  /** The `auth` block of spec/auth.md 2.1. */
  authBlock: Record<string, unknown>;
  warnings: string[];
}

export interface TokenStoreApi {
  /** Validates (exists, not expired, bound CIDRs) and consumes one use. Undefined = invalid. */
  check(raw: string, remoteAddress: string): Promise<CheckedToken | undefined>;
  /** Looks up without consuming. */
  lookup(raw: string): Promise<TokenEntry | undefined>;
  lookupByAccessor(accessor: string): Promise<TokenEntry | undefined>;
  lookupByHash(hash: string): Promise<TokenEntry | undefined>;
  /** Turns a login's AuthSpec into a token (spec/auth.md 2.2 step 3). */
  issueForLogin(input: {
    auth: AuthSpec;
    path: string;
    mountAccessor: string;
    mountPath: string;
    mountType: string;
    /** Effective default/max TTL of the auth mount and its token_type tune. */
    mountDefaultTTL: number;
    mountMaxTTL: number;
    mountTokenType: string;
    entityId: string;
    identityPolicies: string[];
  }): Promise<IssuedToken>;
  /** A single-use token with policy response-wrapping (spec/core.md 2.10). */
  createWrappingToken(ttl: number, creationPath: string): Promise<IssuedToken>;
  /** Revokes the token, its non-orphan descendants and every lease they own. */
  revokeTree(hash: string): Promise<void>;
  /** Revokes every token issued by an auth mount (auth disable). */
  revokeByMount(mountAccessor: string): Promise<void>;
  /** The root token generated at init / the dev root token. */
  createRootToken(id?: string): Promise<IssuedToken>;
}

// ---------------------------------------------------------------------------------------------
// Policies and ACL (core/policy/)

export interface ACLInput {
  /** Request path, e.g. `secret/data/app`; list requests end in '/'. */
  path: string;
  operation: Operation;
  data: Record<string, unknown>;
  /** Requested wrap TTL in seconds, 0 = not wrapped. */
  wrapTTL: number;
}

export interface ACLResult {
  allowed: boolean;
  /** sudo granted on the governing rule (root tokens: always). */
  rootPrivs: boolean;
  /** Names of the policies whose rules granted the operation. */
  grantingPolicies: string[];
}

export interface ACL {
  readonly isRoot: boolean;
  allowOperation(input: ACLInput): ACLResult;
  /** Sorted capability names for a path (spec/core.md 2.8): ['root'] for root, ['deny'] for none. */
  capabilities(path: string): string[];
  /** Any non-deny capability at or below `prefix` (spec/core.md 2.13). */
  hasAccessUnder(prefix: string): boolean;
}

/** What templated policy paths resolve against (spec/auth.md 4.5). */
export interface IdentityContext {
  entity?: {
    id: string;
    name: string;
    metadata: Record<string, string>;
    aliases: Array<{ id: string; name: string; mountAccessor: string; metadata: Record<string, string> }>;
  };
  groups: Array<{ id: string; name: string; metadata: Record<string, string> }>;
  /** The token's own metadata (Keep's `{{token.metadata.<key>}}`). */
  tokenMetadata: Record<string, string>;
}

export interface PolicyStoreApi {
  /** Stored names, sorted (no `root`, no `response-wrapping`). */
  list(): Promise<string[]>;
  /** Raw text, or undefined. `root` returns ''. */
  get(name: string): Promise<string | undefined>;
  /** Parses and validates; throws KeepError 400 `failed to parse policy: ...`. */
  set(name: string, text: string): Promise<void>;
  delete(name: string): Promise<void>;
  /** The merged ACL of these policy names (cached, invalidated on write). */
  acl(policies: string[], identity?: IdentityContext): Promise<ACL>;
  /** Creates `default` if missing and rewrites `response-wrapping` (at every unseal). */
  setupBuiltins(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Leases (core/expiration/)

export interface LeaseRecord {
  leaseId: string;
  /** Request path that produced it; routes renew/revoke to the engine. */
  path: string;
  /** Hash of the owning token; '' for none. */
  tokenHash: string;
  /** For token leases: the token hash this lease stands for. */
  authTokenHash?: string;
  secretType?: string;
  data?: Record<string, unknown>;
  internalData?: Record<string, unknown>;
  ttl: number;
  maxTTL: number;
  renewable: boolean;
  /** Unix ms. */
  issueTime: number;
  expireTime: number;
  lastRenewalTime: number;
  revokeError?: string;
  revokeAttempts?: number;
  mountAccessor: string;
}

export interface LeaseLookup {
  id: string;
  issue_time: string;
  expire_time: string | null;
  last_renewal: string | null;
  renewable: boolean;
  ttl: number;
  revoke_error?: string;
}

export interface ExpirationApi {
  /** Persists a lease for a secret before it is returned (spec/dynamic.md 1.8). */
  registerSecret(input: {
    path: string;
    tokenHash: string;
    secret: SecretSpec;
    data: Record<string, unknown>;
    mountAccessor: string;
    mountDefaultTTL: number;
    mountMaxTTL: number;
  }): Promise<{ leaseId: string; ttl: number; warnings: string[] }>;
  /** Puts (or moves) a token in the expiry index. expireTime 0 removes it. */
  registerToken(entry: TokenEntry): Promise<void>;
  /** Removes a token's index entry (revoked). */
  unregisterToken(entry: TokenEntry): Promise<void>;
  lookup(leaseId: string): Promise<LeaseLookup | undefined>;
  renew(leaseId: string, increment: number): Promise<{ leaseId: string; ttl: number; renewable: boolean; warnings: string[] }>;
  revoke(leaseId: string, sync: boolean): Promise<void>;
  revokePrefix(prefix: string, opts: { sync: boolean; force: boolean }): Promise<void>;
  /** Revokes every lease owned by this token (called by the token store during revocation). */
  revokeByToken(tokenHash: string): Promise<void>;
  /** Children of a lease-id prefix (LIST sys/leases/lookup/<prefix>). */
  listPrefix(prefix: string): Promise<string[]>;
  tidy(): Promise<void>;
  countIrrevocable(): Promise<{ lease_count: number; counts: Record<string, number> }>;
  listIrrevocable(limit: number): Promise<{ leases: Array<{ lease_id: string; mount_id: string; error: string }>; truncated: boolean }>;
  /** Starts the background worker that revokes what is due. */
  start(): void;
  stop(): Promise<void>;
}

/** How expiration reaches an engine's secret handlers (supplied by core). */
export interface SecretResolver {
  resolve(path: string): { secretType: SecretType; storage: StorageView } | undefined;
}

// ---------------------------------------------------------------------------------------------
// Mounts (core/mounts.ts)

export type MountKind = 'secret' | 'auth';

export interface MountConfig {
  default_lease_ttl: number;
  max_lease_ttl: number;
  force_no_cache: boolean;
  audit_non_hmac_request_keys?: string[];
  audit_non_hmac_response_keys?: string[];
  listing_visibility?: string;
  passthrough_request_headers?: string[];
  allowed_response_headers?: string[];
  token_type?: string;
}

export interface MountEntry {
  /** With trailing '/', without `auth/` for auth mounts (`jwt/`). */
  path: string;
  type: string;
  description: string;
  accessor: string;
  uuid: string;
  config: MountConfig;
  options: Record<string, string> | null;
  local: boolean;
  seal_wrap: boolean;
  external_entropy_access: boolean;
  plugin_version: string;
  running_plugin_version: string;
}

export interface MountTableApi {
  list(kind: MountKind): MountEntry[];
  /** Exact mount at this path (trailing '/' optional). */
  get(kind: MountKind, path: string): MountEntry | undefined;
  /** The mount containing a full request path (auth mounts as `auth/<path>`). */
  match(requestPath: string): { kind: MountKind; entry: MountEntry } | undefined;
  enable(
    kind: MountKind,
    path: string,
    input: { type: string; description: string; config: Partial<MountConfig>; options: Record<string, string> | null; local: boolean; seal_wrap: boolean; external_entropy_access: boolean },
  ): Promise<void>;
  disable(kind: MountKind, path: string): Promise<void>;
  tune(kind: MountKind, path: string, changes: Partial<MountConfig> & { description?: string; options?: Record<string, string> }): Promise<string[]>;
  remount(from: string, to: string): Promise<void>;
  /** Effective TTLs (system defaults applied). */
  effectiveTTLs(entry: MountEntry): { defaultTTL: number; maxTTL: number };
}

// ---------------------------------------------------------------------------------------------
// Identity (core/identity/)

export interface Entity {
  id: string;
  name: string;
  metadata: Record<string, string>;
  policies: string[];
  disabled: boolean;
  creationTime: string;
  lastUpdateTime: string;
}

export interface EntityAlias {
  id: string;
  canonicalId: string;
  mountAccessor: string;
  mountType: string;
  mountPath: string;
  name: string;
  metadata: Record<string, string>;
  creationTime: string;
  lastUpdateTime: string;
}

export interface IdentityApi {
  /** Find-or-create the entity of (mount accessor, alias name); overwrites changed alias metadata. */
  loginAlias(input: { mountAccessor: string; mountType: string; mountPath: string; name: string; metadata: Record<string, string> }): Promise<Entity>;
  getEntity(id: string): Promise<Entity | undefined>;
  entityByName(name: string): Promise<Entity | undefined>;
  createEntity(input: { name?: string; metadata?: Record<string, string>; policies?: string[]; disabled?: boolean }): Promise<Entity>;
  updateEntity(id: string, input: { name?: string; metadata?: Record<string, string>; policies?: string[]; disabled?: boolean }): Promise<Entity>;
  deleteEntity(id: string): Promise<void>;
  listEntities(): Promise<Entity[]>;
  createAlias(input: { name: string; canonicalId: string; mountAccessor: string; metadata?: Record<string, string> }): Promise<EntityAlias>;
  getAlias(id: string): Promise<EntityAlias | undefined>;
  deleteAlias(id: string): Promise<void>;
  aliasesOf(entityId: string): Promise<EntityAlias[]>;
  /** Templating context and identity policies for a token's entity ('' = none). */
  contextFor(entityId: string, tokenMetadata: Record<string, string>): Promise<{ identity: IdentityContext; policies: string[] }>;
}

// ---------------------------------------------------------------------------------------------
// Response wrapping (core/wrapping.ts)

export type { WrapInfo } from '../framework/types.ts';

export interface WrappingApi {
  /** Stores the serialised envelope in the new wrapping token's cubbyhole. */
  wrap(envelope: Record<string, unknown>, ttl: number, creationPath: string, wrappedAccessor?: string): Promise<WrapInfo>;
  /** Returns the stored envelope text verbatim and revokes the wrapping token. */
  unwrap(token: string): Promise<string>;
  lookup(token: string): Promise<{ creation_ttl: number; creation_time: string; creation_path: string }>;
  rewrap(token: string): Promise<WrapInfo>;
}

// ---------------------------------------------------------------------------------------------
// Seal (barrier/seal.ts, surfaced by core)

export interface SealStatus {
  type: string;
  initialized: boolean;
  sealed: boolean;
  t: number;
  n: number;
  progress: number;
  nonce: string;
  version: string;
  build_date: string;
  migration: boolean;
  recovery_seal: boolean;
  storage_type: string;
  cluster_name?: string;
  cluster_id?: string;
  recovery_seal_type?: string;
}

export interface KeyStatus {
  term: number;
  install_time: string;
  encryptions: number;
}

/** Everything the system backend (engines/sys) and the token backend reach in core. */
export interface SystemServices {
  mounts: MountTableApi;
  policies: PolicyStoreApi;
  tokens: TokenStoreApi;
  expiration: ExpirationApi;
  wrapping: WrappingApi;
  identity: IdentityApi;
  /** Password policies (sys/policies/password) and generation. */
  passwordPolicies: PasswordPolicyStore;
  /** The ACL of a token entry (token policies + identity policies, templates resolved). */
  aclFor(entry: TokenEntry): Promise<ACL>;
  /** Seals the server now (sys/seal). */
  seal(): Promise<void>;
  /** Adds a barrier key term (sys/rotate). */
  rotateKey(): Promise<void>;
  keyStatus(): KeyStatus;
  /** OpenAPI document generated from every mounted backend's path declarations. */
  openapi(): Promise<Record<string, unknown>>;
  /** path-help text for a request path. */
  help(path: string): Promise<{ help: string; openapi: Record<string, unknown> }>;
  cluster: { name: string; id: string };
  version: string;
  system: { defaultLeaseTTL: number; maxLeaseTTL: number };
}

// ---------------------------------------------------------------------------------------------
// What the HTTP layer calls (implemented by Core)

export interface LogicalHttpRequest {
  operation: Operation;
  /** Request path after /v1/ (list: trailing '/' appended). */
  path: string;
  data: Record<string, unknown>;
  /** X-Vault-Token, else the Bearer token, else ''. */
  clientToken: string;
  /** X-Vault-Wrap-TTL in seconds, 0 = none. */
  wrapTTL: number;
  remoteAddress: string;
  /** Lower-cased header names. */
  headers: Record<string, string | undefined>;
}

export interface HealthState {
  initialized: boolean;
  sealed: boolean;
  standby: boolean;
  version: string;
  cluster_name?: string;
  cluster_id?: string;
}

export interface CoreFacade {
  /** The logical pipeline of spec/core.md 1.8. Throws KeepError. */
  handle(req: LogicalHttpRequest): Promise<CoreResult>;
  sealStatus(): Promise<SealStatus>;
  /** sys/init: returns the raw response object (keys, keys_base64, root_token, ...). */
  init(body: Record<string, unknown>): Promise<Record<string, unknown>>;
  initialized(): Promise<boolean>;
  unseal(body: Record<string, unknown>): Promise<SealStatus>;
  health(): Promise<HealthState>;
  leader(): Promise<Record<string, unknown>>;
  isSealed(): boolean;
}
