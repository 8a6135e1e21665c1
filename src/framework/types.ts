/**
 * The contract between core and engines. An engine declares its paths with definePath(); core
 * routes a logical request to the engine of the mount (longest prefix), and the framework
 * matches the path, coerces and validates fields, and calls the operation's handler.
 *
 * Engines never see HTTP, ACL, audit or leases: they return data (and, for dynamic secrets, a
 * `secret` descriptor; for logins, an `auth` descriptor) and core does the rest.
 */
import type { StorageView } from '../barrier/storage-view.ts';

export type { StorageView, ViewTxOp } from '../barrier/storage-view.ts';

export type Operation = 'create' | 'read' | 'update' | 'patch' | 'delete' | 'list' | 'help' | 'renew' | 'revoke' | 'rollback';

/** Field types of spec/core.md 1.5. */
export type FieldType =
  | 'string'
  | 'lowercase-string'
  | 'int'
  | 'bool'
  | 'duration'
  | 'signed-duration'
  | 'comma-string-slice'
  | 'string-slice'
  | 'comma-int-slice'
  | 'map'
  | 'kv-pairs'
  | 'time'
  /** Any JSON value, passed through untouched (numbers as LosslessNumber where needed). */
  | 'raw';

export type FieldValue<T extends FieldType> = T extends 'string' | 'lowercase-string'
  ? string
  : T extends 'int' | 'duration' | 'signed-duration'
    ? number
    : T extends 'bool'
      ? boolean
      : T extends 'comma-string-slice' | 'string-slice'
        ? string[]
        : T extends 'comma-int-slice'
          ? number[]
          : T extends 'map'
            ? Record<string, unknown>
            : T extends 'kv-pairs'
              ? Record<string, string>
              : T extends 'time'
                ? Date
                : unknown;

export interface FieldSpec<T extends FieldType = FieldType> {
  type: T;
  description?: string;
  /** Enforced (unlike Vault): missing -> 400 naming the field. */
  required?: boolean;
  default?: FieldValue<T>;
  /** Enforced: a value outside the list -> 400 naming the field and the allowed values. */
  allowed?: readonly string[];
  /** Documented as a query parameter in OpenAPI. */
  query?: boolean;
  /** Legacy name this field may also be supplied under (e.g. `lease` for `ttl`). */
  deprecated?: boolean;
}

export type Fields = Record<string, FieldSpec>;

/** Coerced values; a field not supplied and without default is undefined. */
export type FieldValues<F extends Fields> = {
  [K in keyof F]: F[K] extends { default: unknown } | { required: true }
    ? FieldValue<F[K]['type']>
    : FieldValue<F[K]['type']> | undefined;
};

/** What the engine learns about the caller. Never the raw token. */
export interface CallerInfo {
  /** Token accessor ('' for batch/none). */
  accessor: string;
  policies: string[];
  entityId: string;
  displayName: string;
  metadata: Record<string, string>;
  /** True for a root token. */
  root: boolean;
  /** The caller holds sudo on this request's path (root-protected checks, orphan tokens, ...). */
  sudo: boolean;
  /** Storage prefix of the caller's cubbyhole (used by the cubbyhole engine). */
  cubbyholeId: string;
  /** Hash of the caller's token (its identity in core; never the token). */
  tokenHash: string;
}

export interface RequestContext<F extends Fields = Fields> {
  /** UUID of the request (also the envelope's request_id). */
  requestId: string;
  operation: Operation;
  /** Path relative to the mount, e.g. `data/app` for `secret/data/app`. */
  path: string;
  /** Full request path, e.g. `secret/data/app`. */
  fullPath: string;
  /** Coerced declared fields (URL captures win over body). */
  fields: FieldValues<F>;
  /** Names of the fields the caller actually supplied (body, query or URL). */
  supplied: ReadonlySet<string>;
  /** The request data as received (after JSON parsing), for engines taking arbitrary input. */
  raw: Record<string, unknown>;
  storage: StorageView;
  mount: MountInfo;
  /** Undefined on unauthenticated paths. */
  caller?: CallerInfo;
  /** The raw client token; only for the token store and sys backends, which are core. */
  clientToken: string;
  remoteAddress: string;
  /** Response wrapping TTL (s) the caller asked for; 0 = none. */
  wrapTTL: number;
  headers: Readonly<Record<string, string | undefined>>;
  /**
   * Per-request scratch space shared by the path's existence check and the handler of the same
   * request (e.g. what the check loaded, so the handler need not load it again). Present when the
   * path has an existence check. What the check left there was produced before the ACL check and
   * may be stale by the time the handler runs: an engine reuses it only when it can tell it is not.
   */
  memo?: Map<string, unknown>;
}

export type Handler<F extends Fields> = (ctx: RequestContext<F>) => Promise<LogicalResponse | undefined>;

export interface OperationSpec<F extends Fields> {
  handler: Handler<F>;
  summary?: string;
  description?: string;
}

export interface PathDef<F extends Fields = Fields> {
  /** Regex source relative to the mount, anchored by the framework; named groups become fields. */
  pattern: string;
  fields: F;
  operations: Partial<Record<Operation, OperationSpec<F>>>;
  /** Decides create (false) vs update (true) for create/update requests. */
  existenceCheck?: (ctx: RequestContext<F>) => Promise<boolean>;
  /** Suppresses the unrecognized-parameters warning (KV v1, sys/wrapping/wrap). */
  takesArbitraryInput?: boolean;
  synopsis?: string;
  description?: string;
}

/** A lease descriptor for dynamic secrets; core registers the lease. */
export interface SecretSpec {
  /** Name of the secret type in Backend.secrets. */
  type: string;
  ttl: number;
  maxTTL: number;
  renewable: boolean;
  /** Engine-private data kept with the lease, never returned to clients. */
  internalData: Record<string, unknown>;
}

/** A login result; core turns it into a token (spec/auth.md 2.2). */
export interface AuthSpec {
  displayName: string;
  policies: string[];
  metadata: Record<string, string>;
  /** Alias name for identity (find-or-create entity); omit for none. */
  alias?: { name: string; metadata: Record<string, string> };
  groupAliases?: string[];
  ttl: number;
  maxTTL: number;
  explicitMaxTTL: number;
  period: number;
  numUses: number;
  noDefaultPolicy: boolean;
  boundCIDRs: string[];
  tokenType: 'default' | 'service' | 'batch' | 'default-service' | 'default-batch';
  /** Opaque data for the renew hook (e.g. role name). */
  internalData: Record<string, unknown>;
  renewable: boolean;
}

export interface RawResponse {
  status: number;
  /** A JSON value (serialised by the HTTP layer) or a pre-serialised string. */
  body: unknown;
  contentType?: string;
}

export interface LogicalResponse {
  data?: Record<string, unknown> | null;
  warnings?: string[];
  secret?: SecretSpec;
  auth?: AuthSpec;
  /** Written verbatim (health, KV 404-with-data, unwrap). */
  raw?: RawResponse;
  /** Endpoint-forced response wrapping TTL (s). */
  wrapTTL?: number;
  /** Non-default status for an envelope reply (e.g. 202). */
  status?: number;
  /**
   * `lease_duration` (s) to report without registering a lease (KV v1 reads report the stored
   * `ttl`, else the mount's default lease TTL; spec/core.md 4.1).
   */
  leaseDuration?: number;
  /**
   * `lease_id` / `renewable` to report for an existing lease without registering one
   * (sys/leases/renew). Ignored when `secret` is set.
   */
  leaseId?: string;
  renewable?: boolean;
  /** For token-issuing endpoints handled by core's token store: a ready auth block. */
  authBlock?: Record<string, unknown>;
  /**
   * `wrap_info.wrapped_accessor` when this reply is wrapped and it is not a login or token
   * creation (AppRole secret-id generation: the `secret_id_accessor`; spec/auth.md 5.9).
   */
  wrappedAccessor?: string;
}

export interface MountInfo {
  /** `secret/` or `auth/jwt/`. */
  path: string;
  type: string;
  accessor: string;
  uuid: string;
  options: Record<string, string> | null;
  /** Effective TTLs in seconds (system defaults applied). */
  defaultLeaseTTL(): number;
  maxLeaseTTL(): number;
  local: boolean;
}

/** Lease handlers of a dynamic secret type. */
export interface SecretType {
  renew?(lease: LeaseInfo, storage: StorageView): Promise<{ ttl?: number; maxTTL?: number } | void>;
  revoke(lease: LeaseInfo, storage: StorageView): Promise<void>;
}

export interface LeaseInfo {
  leaseId: string;
  path: string;
  internalData: Record<string, unknown>;
  issueTime: number;
  expireTime: number;
  /**
   * Renew only: the increment (s) the client asked for (0 = none). Engines that extend an
   * external expiry (database users' VALID UNTIL) compute the new TTL with it.
   */
  increment?: number;
}

export interface Backend {
  type: string;
  paths: PathDef[];
  special?: {
    /** Patterns relative to the mount ('*' suffix = prefix) that need no token. */
    unauthenticated?: string[];
    /** Patterns relative to the mount that need sudo. */
    root?: string[];
  };
  secrets?: Record<string, SecretType>;
  /** Called once the mount is set up (after unseal or enable). */
  init?(): Promise<void>;
  /**
   * Releases what the backend holds (connection pools, timers): called when the mount is disabled
   * (before core deletes its storage) and when the server shuts down. Must not delete data.
   */
  cleanup?(): Promise<void>;
  /** Renew hook for tokens this auth backend issued (re-check the role). */
  authRenew?(internalData: Record<string, unknown>): Promise<Partial<Pick<AuthSpec, 'ttl' | 'maxTTL' | 'period'>>>;
  /** Cache invalidation for a storage key of this mount written elsewhere. */
  invalidate?(key: string): void;
  /**
   * Background work (rotations, tidying), called about once a second by the node that runs
   * background work (one node in HA). Never concurrently with itself; errors are logged.
   */
  periodic?(): Promise<void>;
}

export interface BackendContext {
  storage: StorageView;
  mount: MountInfo;
  logger: Logger;
  /** Core facilities an engine may use (password generation, ...). */
  system: SystemView;
}

/** What core offers every engine beside its storage. */
export interface SystemView {
  /** A password from the named password policy (sys/policies/password), or Keep's default generator when empty. */
  generatePassword(policyName?: string): Promise<string>;
  /** Policies as a token with this metadata would get them: paths with templates resolved. */
  renderPolicies(policies: string[], tokenMetadata: Record<string, string>): Promise<unknown>;
}

export type BackendFactory = (ctx: BackendContext) => Backend | Promise<Backend>;

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/** Response-wrapping info of a wrapped reply (spec/core.md 2.10). */
export interface WrapInfo {
  token: string;
  accessor: string;
  ttl: number;
  creation_time: string;
  creation_path: string;
  wrapped_accessor?: string;
}

/** What core's pipeline produced for one logical request; the HTTP layer renders it. */
export interface CoreResult {
  requestId: string;
  /** Type of the mount that served it (`kv`, `system`, `token`, ...). */
  mountType: string;
  /** Full request path (list requests end in '/'). */
  path: string;
  operation: Operation;
  /** Undefined when the handler returned nothing. */
  response: LogicalResponse | undefined;
  leaseId: string;
  leaseDuration: number;
  renewable: boolean;
  /** The `auth` block of a login or token creation. */
  auth: Record<string, unknown> | null;
  /** Set when the reply was wrapped: render the wrapped reply only. */
  wrapInfo: WrapInfo | null;
}
