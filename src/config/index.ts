/**
 * The server config file loader.
 */
export { loadConfig, parseConfig, DEFAULT_ADDRESS, DEFAULT_LEASE_TTL } from './load.ts';
export { ConfigError } from './types.ts';
export type { ListenerConfig, SealConfig, ServerConfig, StorageConfig } from './types.ts';
