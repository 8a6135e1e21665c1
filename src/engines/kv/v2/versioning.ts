/**
 * Version arithmetic of KV v2: adding a version with its deletion time, pruning to the effective
 * `max_versions` (spec/core.md 4.2), and the version-metadata object clients see.
 */
import type { ViewTxOp } from '../../../framework/types.ts';
import { DEFAULT_MAX_VERSIONS, metaKey, versionKey } from './store.ts';
import type { KeyMeta, MountConfig, VersionMeta } from './store.ts';
import { isPast, rfc3339 } from './time.ts';

/** max(key, mount), or 10 when both are 0. */
export function effectiveMaxVersions(keyMax: number, mountMax: number): number {
  const larger = Math.max(keyMax, mountMax);
  return larger > 0 ? larger : DEFAULT_MAX_VERSIONS;
}

/**
 * The smaller non-zero of the mount and key `delete_version_after` (seconds), or 0 when neither
 * applies or the mount disables the feature (negative).
 */
export function effectiveDeleteAfter(config: MountConfig, meta: KeyMeta): number {
  const mount = config.delete_version_after;
  if (mount < 0) return 0;
  const key = meta.delete_version_after;
  if (mount === 0) return key;
  if (key === 0) return mount;
  return Math.min(mount, key);
}

/** `deletion_time` of a version created (or undeleted) at `fromMs`; `""` for none. */
export function deletionTimeFrom(fromMs: number, config: MountConfig, meta: KeyMeta): string {
  const after = effectiveDeleteAfter(config, meta);
  return after > 0 ? rfc3339(fromMs + after * 1000) : '';
}

/** Deleted (deletion time passed) or destroyed: its data is not served. */
export function isGone(vm: VersionMeta, nowMs: number): boolean {
  return vm.destroyed || isPast(vm.deletion_time, nowMs);
}

/** The version-metadata object of responses. */
export function versionView(meta: KeyMeta, version: number, vm: VersionMeta): Record<string, unknown> {
  return {
    created_time: vm.created_time,
    custom_metadata: meta.custom_metadata,
    deletion_time: vm.deletion_time,
    destroyed: vm.destroyed,
    version,
  };
}

export interface AddedVersion {
  version: number;
  vm: VersionMeta;
  /** Storage operations: the new version's data, the metadata, and pruned versions' data. */
  ops: ViewTxOp[];
}

/**
 * Appends a version holding `data` to `meta` (mutated) and prunes: when
 * `current - oldest >= max`, versions `oldest … current-max` go and `oldest = current-max+1`.
 */
export function addVersion(meta: KeyMeta, config: MountConfig, data: Uint8Array, nowMs: number): AddedVersion {
  const created = rfc3339(nowMs);
  const version = meta.current_version + 1;
  const vm: VersionMeta = { created_time: created, deletion_time: deletionTimeFrom(nowMs, config, meta), destroyed: false };
  meta.current_version = version;
  meta.versions[String(version)] = vm;
  meta.updated_time = created;
  if (meta.created_time === '') meta.created_time = created;

  const ops: ViewTxOp[] = [{ op: 'put', key: versionKey(meta.key, version), value: data }];
  const max = effectiveMaxVersions(meta.max_versions, config.max_versions);
  if (version - meta.oldest_version >= max) {
    const last = version - max;
    for (const name of Object.keys(meta.versions)) {
      const n = Number(name);
      if (n <= last) {
        delete meta.versions[name];
        ops.push({ op: 'delete', key: versionKey(meta.key, n) });
      }
    }
    meta.oldest_version = last + 1;
  }
  ops.splice(1, 0, { op: 'put', key: metaKey(meta.key), value: { json: meta } });
  return { version, vm, ops };
}
