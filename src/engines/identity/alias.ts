/** identity/entity-alias[...] paths: create, read, delete, list. */
import type { EntityAlias, IdentityApi } from '../../core/contracts.ts';
import { badRequest } from '../../errors.ts';
import { definePath } from '../../framework/path.ts';
import type { LogicalResponse, PathDef, RequestContext } from '../../framework/types.ts';
import { aliasKeyInfo, aliasRead } from './shapes.ts';

const aliasFields = {
  name: { type: 'string', description: 'Alias name (e.g. the login user claim).' },
  canonical_id: { type: 'string', description: 'Entity the alias belongs to; a new entity when empty.' },
  entity_id: { type: 'string', description: 'Deprecated name of canonical_id.', deprecated: true },
  mount_accessor: { type: 'string', description: 'Accessor of the auth mount.' },
  metadata: { type: 'kv-pairs', description: 'Alias metadata (what templated policies read).' },
} as const;

async function allAliases(identity: IdentityApi): Promise<EntityAlias[]> {
  const out: EntityAlias[] = [];
  for (const e of await identity.listEntities()) out.push(...(await identity.aliasesOf(e.id)));
  return out;
}

function sameMap(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => b[k] === a[k]);
}

async function createAlias(identity: IdentityApi, ctx: RequestContext<typeof aliasFields>): Promise<LogicalResponse | undefined> {
  const f = ctx.fields;
  const name = f.name ?? '';
  const accessor = f.mount_accessor ?? '';
  const canonicalId = f.canonical_id || f.entity_id || '';
  const metadataGiven = ctx.supplied.has('metadata') && f.metadata !== undefined;
  if (name === '' || accessor === '') throw badRequest(`'id' or 'mount_accessor' and 'name' must be provided`);

  const existing = (await allAliases(identity)).find((a) => a.mountAccessor === accessor && a.name === name);
  if (existing) {
    const sameEntity = canonicalId === '' || canonicalId === existing.canonicalId;
    if (sameEntity && (!metadataGiven || sameMap(f.metadata ?? {}, existing.metadata))) return undefined;
    throw badRequest('alias with combination of mount accessor and name already exists');
  }

  let entityId = canonicalId;
  let createdEntity = false;
  if (entityId !== '') {
    const entity = await identity.getEntity(entityId);
    if (!entity) throw badRequest('invalid canonical ID');
    if ((await identity.aliasesOf(entity.id)).some((a) => a.mountAccessor === accessor)) {
      throw badRequest('Alias already exists for requested entity and mount accessor');
    }
  } else {
    entityId = (await identity.createEntity({})).id;
    createdEntity = true;
  }
  let alias: EntityAlias;
  try {
    alias = await identity.createAlias({ name, canonicalId: entityId, mountAccessor: accessor, metadata: f.metadata ?? {} });
  } catch (e) {
    // e.g. an unknown mount accessor: do not leave the entity made for it behind.
    if (createdEntity) await identity.deleteEntity(entityId);
    throw e;
  }
  return { data: { id: alias.id, canonical_id: entityId } };
}

export function aliasPaths(identity: IdentityApi): PathDef[] {
  return [
    definePath({
      pattern: 'entity-alias',
      fields: aliasFields,
      synopsis: 'Create an entity alias.',
      operations: {
        update: { summary: 'Create an alias (and its entity when canonical_id is empty).', handler: (ctx) => createAlias(identity, ctx) },
      },
    }),
    definePath({
      pattern: 'entity-alias/id/?',
      fields: {},
      synopsis: 'List entity aliases by id.',
      operations: {
        list: {
          summary: 'List alias ids.',
          handler: async () => {
            const aliases = await allAliases(identity);
            const keyInfo: Record<string, unknown> = {};
            for (const a of aliases) keyInfo[a.id] = aliasKeyInfo(a);
            return { data: { keys: aliases.map((a) => a.id), key_info: keyInfo } };
          },
        },
      },
    }),
    definePath({
      pattern: 'entity-alias/id/(?<id>[^/]+)',
      fields: { id: { type: 'string', description: 'Alias id.' } },
      synopsis: 'Read or delete an entity alias.',
      operations: {
        read: {
          summary: 'Read an alias.',
          handler: async (ctx) => {
            const alias = await identity.getAlias(ctx.fields.id ?? '');
            return alias ? { data: aliasRead(alias) } : undefined;
          },
        },
        delete: {
          summary: 'Delete an alias.',
          handler: async (ctx) => {
            const alias = await identity.getAlias(ctx.fields.id ?? '');
            if (alias) await identity.deleteAlias(alias.id);
            return undefined;
          },
        },
      },
    }),
  ];
}
