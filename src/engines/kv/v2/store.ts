/**
 * Storage model of a KV v2 mount (inside the mount's storage view):
 *
 *   config                       mount settings (JSON)
 *   meta/<key>                   key metadata incl. per-version metadata (JSON)
 *   versions/<sha256(key)>/<n>   the data of version n: lossless JSON text of the data object
 *
 * Version data sits under a hash of the key so that one key's versions form a prefix of their own
 * (a key `a` and a key `a/1` never share one). A read costs two storage gets: metadata, version.
 */
import { hash } from 'node:crypto';
import type { StorageView } from '../../../framework/types.ts';

export interface VersionMeta {
  created_time: string;
  deletion_time: string;
  destroyed: boolean;
}

export interface KeyMeta {
  key: string;
  /** Decimal version number -> its metadata. */
  versions: Record<string, VersionMeta>;
  current_version: number;
  oldest_version: number;
  max_versions: number;
  cas_required: boolean;
  /** Seconds; 0 = unset. */
  delete_version_after: number;
  custom_metadata: Record<string, string> | null;
  created_time: string;
  updated_time: string;
}

export interface MountConfig {
  max_versions: number;
  cas_required: boolean;
  /** Seconds; 0 = unset, -1 = disabled for every key. */
  delete_version_after: number;
}

export const CONFIG_KEY = 'config';
export const META_PREFIX = 'meta/';
export const VERSIONS_PREFIX = 'versions/';
export const DEFAULT_MAX_VERSIONS = 10;
export const DELETE_VERSION_AFTER_DISABLED = -1;

export const metaKey = (key: string): string => META_PREFIX + key;

// Version prefixes of recently used keys (a key is a storage path, never a secret).
const PREFIX_MEMO_LIMIT = 4096;
const prefixMemo = new Map<string, string>();

export function versionPrefix(key: string): string {
  let prefix = prefixMemo.get(key);
  if (prefix !== undefined) return prefix;
  prefix = `${VERSIONS_PREFIX}${hash('sha256', key, 'hex')}/`;
  if (prefixMemo.size >= PREFIX_MEMO_LIMIT) prefixMemo.clear();
  prefixMemo.set(key, prefix);
  return prefix;
}

export function versionKey(key: string, version: number): string {
  return versionPrefix(key) + version;
}

export function newKeyMeta(key: string, now = ''): KeyMeta {
  return {
    key,
    versions: {},
    current_version: 0,
    oldest_version: 0,
    max_versions: 0,
    cas_required: false,
    delete_version_after: 0,
    custom_metadata: null,
    created_time: now,
    updated_time: now,
  };
}

export const defaultConfig = (): MountConfig => ({ max_versions: 0, cas_required: false, delete_version_after: 0 });

export function getKeyMeta(storage: StorageView, key: string): Promise<KeyMeta | undefined> {
  return storage.getJSON<KeyMeta>(metaKey(key));
}

/** The mount config, cached per backend instance and dropped on invalidation or write. */
export class ConfigCache {
  private cached: MountConfig | undefined;

  async get(storage: StorageView): Promise<MountConfig> {
    if (this.cached) return { ...this.cached };
    const stored = await storage.getJSON<Partial<MountConfig>>(CONFIG_KEY);
    const config = { ...defaultConfig(), ...(stored ?? {}) };
    this.cached = config;
    return { ...config };
  }

  async put(storage: StorageView, config: MountConfig): Promise<void> {
    this.cached = undefined;
    await storage.putJSON(CONFIG_KEY, config);
    this.cached = { ...config };
  }

  invalidate(): void {
    this.cached = undefined;
  }
}
