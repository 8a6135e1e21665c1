/** Read shapes of entities and aliases, as Vault's identity store returns them. */
import type { Entity, EntityAlias } from '../../core/contracts.ts';

function metadataOrNull(m: Record<string, string> | undefined): Record<string, string> | null {
  return m && Object.keys(m).length > 0 ? { ...m } : null;
}

/** An alias as embedded in an entity read. */
export function aliasInEntity(a: EntityAlias): Record<string, unknown> {
  return {
    canonical_id: a.canonicalId,
    creation_time: a.creationTime,
    custom_metadata: null,
    id: a.id,
    last_update_time: a.lastUpdateTime,
    local: false,
    merged_from_canonical_ids: null,
    metadata: metadataOrNull(a.metadata),
    mount_accessor: a.mountAccessor,
    mount_path: a.mountPath,
    mount_type: a.mountType,
    name: a.name,
  };
}

/** GET identity/entity-alias/id/<id>. */
export function aliasRead(a: EntityAlias): Record<string, unknown> {
  return { ...aliasInEntity(a), namespace_id: 'root' };
}

/** GET identity/entity/id/<id> and identity/entity/name/<name>. */
export function entityRead(e: Entity, aliases: EntityAlias[]): Record<string, unknown> {
  return {
    aliases: aliases.map(aliasInEntity),
    creation_time: e.creationTime,
    direct_group_ids: [],
    disabled: e.disabled,
    group_ids: [],
    id: e.id,
    inherited_group_ids: [],
    last_update_time: e.lastUpdateTime,
    merged_entity_ids: null,
    metadata: metadataOrNull(e.metadata),
    name: e.name,
    namespace_id: 'root',
    policies: [...new Set(e.policies)],
  };
}

/** key_info entry of LIST identity/entity/id and identity/entity/name. */
export function entityKeyInfo(e: Entity, aliases: EntityAlias[]): Record<string, unknown> {
  const info: Record<string, unknown> = { name: e.name };
  if (aliases.length > 0) {
    info.aliases = aliases.map((a) => ({
      id: a.id,
      mount_accessor: a.mountAccessor,
      mount_path: a.mountPath,
      mount_type: a.mountType,
      name: a.name,
    }));
  }
  return info;
}

/** key_info entry of LIST identity/entity-alias/id. */
export function aliasKeyInfo(a: EntityAlias): Record<string, unknown> {
  return {
    canonical_id: a.canonicalId,
    custom_metadata: null,
    mount_accessor: a.mountAccessor,
    mount_path: a.mountPath,
    mount_type: a.mountType,
    name: a.name,
  };
}
