/**
 * The server configuration, as loaded from an HCL or JSON file with Vault's stanza names.
 */

/** Where data is kept. */
export type StorageConfig = { type: 'inmem' } | { type: 'sqlite'; path: string };

/** One `listener "tcp"` stanza. */
export interface ListenerConfig {
  /** `host:port` (default `127.0.0.1:8200`). */
  address: string;
  tlsDisable: boolean;
  tlsCertFile?: string;
  tlsKeyFile?: string;
  /** Bytes; absent = server default (32 MiB). */
  maxRequestSize?: number;
}

/**
 * How the root key is protected. `static`: the key material resolved from `env://`, `file://`
 * or a literal, still encoded (64 hex chars or base64 of 32 bytes); the server decodes it.
 */
export type SealConfig =
  | { type: 'shamir' }
  | { type: 'static'; keyId: string; key: string; previousKeyId?: string; previousKey?: string };

/** The whole configuration. */
export interface ServerConfig {
  storage: StorageConfig;
  listeners: ListenerConfig[];
  seal: SealConfig;
  ui: boolean;
  apiAddr?: string;
  clusterName?: string;
  /** Seconds (default 2764800 = 768h). */
  defaultLeaseTTL: number;
  /** Seconds (default 2764800 = 768h). */
  maxLeaseTTL: number;
  /** `trace`, `debug`, `info` (default), `warn` or `error`. */
  logLevel: string;
  /** Things accepted but ignored (unknown keys, unsupported settings). Never contains secrets. */
  warnings?: string[];
}

/** An invalid configuration. The message names the stanza and field. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}
