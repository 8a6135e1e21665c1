/**
 * The engines core can mount. Core never imports engines (layering); the server assembles this
 * registry from engines/ and hands it to Core.
 */
import type { StorageView } from '../barrier/storage-view.ts';
import type { Backend, BackendFactory } from '../framework/types.ts';
import type { IdentityApi, SystemServices } from './contracts.ts';
import type { TokenStore } from './token/store.ts';

export interface EngineRegistry {
  /** Secrets engines by type (`kv`, `cubbyhole`, ...). */
  secret: Record<string, BackendFactory>;
  /** Auth methods by type (`jwt`, ...). The token method is `token` below. */
  auth: Record<string, BackendFactory>;
  system(services: SystemServices): Backend;
  token(store: TokenStore): Backend;
  identity(identity: IdentityApi): Backend;
  /** Moves a KV v1 mount's data to the v2 layout (tune options.version=2). */
  kvUpgrade(storage: StorageView): Promise<void>;
}
