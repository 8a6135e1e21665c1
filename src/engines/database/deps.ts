/** What the database engine's parts share: stores, live connections, locks, clock, core services. */
import type { Logger, MountInfo, StorageView, SystemView } from '../../framework/types.ts';
import type { ConfigStore } from './config-store.ts';
import type { Connections, PluginFactory } from './connections.ts';
import type { KeyedMutex } from './locks.ts';
import type { RoleStore } from './roles-store.ts';
import type { WalStore } from './wal.ts';

export interface DatabaseDeps {
  storage: StorageView;
  mount: MountInfo;
  logger: Logger;
  system: SystemView;
  configs: ConfigStore;
  roles: RoleStore;
  wals: WalStore;
  connections: Connections;
  pluginFactory: PluginFactory;
  /** Serializes config writes, resets and root rotations per connection (`conn:<name>`). */
  connLock: KeyedMutex;
  /** Serializes writes, deletes and rotations per role name (`role:<name>`, dynamic and static share names). */
  roleLock: KeyedMutex;
  /** Unix ms. */
  now(): number;
}
