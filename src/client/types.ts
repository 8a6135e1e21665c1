/**
 * Shapes of the server's answers (Vault wire format). They describe what the server sends; the
 * client does not validate them beyond "is a JSON object".
 */

/** The `auth` block of a login or token-creation answer. */
export interface AuthInfo {
  client_token: string;
  accessor: string;
  policies: string[] | null;
  token_policies?: string[] | null;
  identity_policies?: string[] | null;
  metadata: Record<string, string> | null;
  lease_duration: number;
  renewable: boolean;
  entity_id: string;
  token_type: string;
  orphan: boolean;
  num_uses?: number;
  [extra: string]: unknown;
}

/** The `wrap_info` block of a wrapped answer. */
export interface WrapInfo {
  token: string;
  accessor: string;
  ttl: number;
  creation_time: string;
  creation_path: string;
  wrapped_accessor?: string;
  [extra: string]: unknown;
}

/**
 * The standard envelope of a logical answer. Some `sys/` routes also copy every key of `data` to
 * the top level; those keys appear through the index signature.
 */
export interface SecretResponse<D = Record<string, unknown>> {
  request_id: string;
  lease_id: string;
  renewable: boolean;
  lease_duration: number;
  data: D | null;
  wrap_info: WrapInfo | null;
  warnings: string[] | null;
  auth: AuthInfo | null;
  mount_type?: string;
  [extra: string]: unknown;
}

/** `GET sys/seal-status` (and the answer of `sys/unseal`). */
export interface SealStatus {
  type: string;
  initialized: boolean;
  sealed: boolean;
  t: number;
  n: number;
  progress: number;
  nonce: string;
  version: string;
  build_date?: string;
  migration: boolean;
  recovery_seal: boolean;
  storage_type?: string;
  cluster_name?: string;
  cluster_id?: string;
  [extra: string]: unknown;
}

/** `GET sys/leader`. */
export interface LeaderStatus {
  ha_enabled: boolean;
  is_self: boolean;
  active_time?: string;
  leader_address: string;
  leader_cluster_address: string;
  performance_standby?: boolean;
  [extra: string]: unknown;
}

/** `GET sys/health` (any status code). */
export interface HealthStatus {
  initialized: boolean;
  sealed: boolean;
  standby: boolean;
  version?: string;
  cluster_name?: string;
  cluster_id?: string;
  server_time_utc?: number;
  [extra: string]: unknown;
}

/** Body of `PUT sys/init`. */
export interface InitRequest {
  secret_shares?: number;
  secret_threshold?: number;
  recovery_shares?: number;
  recovery_threshold?: number;
  pgp_keys?: string[];
  root_token_pgp_key?: string;
  stored_shares?: number;
}

/** Answer of `PUT sys/init`. */
export interface InitResponse {
  keys: string[];
  keys_base64: string[];
  recovery_keys?: string[];
  recovery_keys_base64?: string[];
  root_token: string;
  [extra: string]: unknown;
}

/** `GET sys/key-status` data. */
export interface KeyStatus {
  term: number;
  install_time: string;
  encryptions?: number;
  [extra: string]: unknown;
}

/** One entry of `sys/mounts` / `sys/auth` ("mount info"). */
export interface MountInfo {
  type: string;
  description: string;
  accessor: string;
  config: Record<string, unknown> | null;
  options: Record<string, string> | null;
  local: boolean;
  seal_wrap: boolean;
  external_entropy_access?: boolean;
  uuid?: string;
  plugin_version?: string;
  running_plugin_version?: string;
  [extra: string]: unknown;
}

/** Body of `POST sys/mounts/<path>` and `POST sys/auth/<path>`. */
export interface MountInput {
  type: string;
  description?: string;
  config?: Record<string, unknown>;
  options?: Record<string, string>;
  local?: boolean;
  seal_wrap?: boolean;
  external_entropy_access?: boolean;
  plugin_version?: string;
}

/** Body of `POST auth/token/create*` (spec/auth.md 1.4). */
export interface TokenCreateRequest {
  id?: string;
  policies?: string[];
  meta?: Record<string, string>;
  no_parent?: boolean;
  no_default_policy?: boolean;
  renewable?: boolean;
  ttl?: string | number;
  type?: string;
  explicit_max_ttl?: string | number;
  display_name?: string;
  num_uses?: number;
  period?: string | number;
  entity_alias?: string;
}

/** Query string values: repeated keys as arrays; undefined entries are skipped. */
export type QueryValue = string | number | boolean | undefined | Array<string | number | boolean>;
