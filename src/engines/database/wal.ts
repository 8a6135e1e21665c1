/**
 * Write-ahead records of the database engine, one per connection or static role, so a crash
 * between a database change and the storage write that records it can be settled later:
 * `wal/rotate-root/<connection>` (rotate-root, spec/dynamic.md 2.5) and `wal/static/<role>` (static
 * rotations, 2.9). They hold passwords, so they live only in the mount's encrypted storage.
 */
import type { StorageView } from '../../framework/types.ts';

export const ROOT_WAL_PREFIX = 'wal/rotate-root/';
export const STATIC_WAL_PREFIX = 'wal/static/';

export interface RootRotationWAL {
  connection: string;
  username: string;
  old_password: string;
  new_password: string;
  /** Unix ms. */
  created: number;
}

export interface StaticRotationWAL {
  role: string;
  username: string;
  new_password: string;
  /** The role's last_vault_rotation when the rotation began: the WAL is stale once it differs. */
  last_vault_rotation: number;
  created: number;
}

export class WalStore {
  constructor(private readonly storage: StorageView) {}

  getRoot(connection: string): Promise<RootRotationWAL | undefined> {
    return this.storage.getJSON<RootRotationWAL>(ROOT_WAL_PREFIX + connection);
  }

  putRoot(w: RootRotationWAL): Promise<void> {
    return this.storage.putJSON(ROOT_WAL_PREFIX + w.connection, w);
  }

  deleteRoot(connection: string): Promise<void> {
    return this.storage.delete(ROOT_WAL_PREFIX + connection);
  }

  async listRoot(): Promise<string[]> {
    return (await this.storage.list(ROOT_WAL_PREFIX)).filter((k) => !k.endsWith('/'));
  }

  getStatic(role: string): Promise<StaticRotationWAL | undefined> {
    return this.storage.getJSON<StaticRotationWAL>(STATIC_WAL_PREFIX + role);
  }

  putStatic(w: StaticRotationWAL): Promise<void> {
    return this.storage.putJSON(STATIC_WAL_PREFIX + w.role, w);
  }

  deleteStatic(role: string): Promise<void> {
    return this.storage.delete(STATIC_WAL_PREFIX + role);
  }

  async listStatic(): Promise<string[]> {
    return (await this.storage.list(STATIC_WAL_PREFIX)).filter((k) => !k.endsWith('/'));
  }
}
