/** identity/entity[...] paths (create/update by body id, by id, by name; read, delete, list). */
import type { Entity, IdentityApi } from '../../core/contracts.ts';
import { badRequest } from '../../errors.ts';
import { definePath } from '../../framework/path.ts';
import type { LogicalResponse, PathDef, RequestContext } from '../../framework/types.ts';
import { entityKeyInfo, entityRead } from './shapes.ts';

const entityFields = {
  id: { type: 'string', description: 'Entity id; when set, updates that entity.' },
  name: { type: 'string', description: 'Entity name (generated when empty on create).' },
  metadata: { type: 'kv-pairs', description: 'Metadata (object or list of "k=v").' },
  policies: { type: 'comma-string-slice', description: 'Policies granted to tokens of this entity.' },
  disabled: { type: 'bool', description: 'Tokens of a disabled entity cannot be used.' },
} as const;

type EntityCtx = RequestContext<typeof entityFields>;

/**
 * Create or update (Vault's handleEntityUpdateCommon): an id selects an entity; a name selects
 * one too when no id was given. Update answers 204; create answers {id, name, aliases}.
 */
async function upsertEntity(identity: IdentityApi, ctx: EntityCtx): Promise<LogicalResponse | undefined> {
  const f = ctx.fields;
  const given = (k: keyof typeof entityFields) => ctx.supplied.has(k) && f[k] !== undefined;
  let entity: Entity | undefined;
  if (f.id) {
    entity = await identity.getEntity(f.id);
    if (!entity) throw badRequest('entity not found from id');
  }
  const name = f.name ?? '';
  if (name !== '') {
    const byName = await identity.entityByName(name);
    if (byName) {
      if (!entity) entity = byName;
      else if (entity.id !== byName.id) throw badRequest('entity name is already in use');
    }
  }
  const input: { name?: string; metadata?: Record<string, string>; policies?: string[]; disabled?: boolean } = {};
  if (name !== '') input.name = name;
  if (given('policies')) {
    const policies = [...new Set(f.policies)];
    if (policies.includes('root')) throw badRequest('policies cannot contain root');
    input.policies = policies;
  }
  if (given('disabled')) input.disabled = f.disabled;
  if (given('metadata')) input.metadata = f.metadata;

  if (entity) {
    await identity.updateEntity(entity.id, input);
    return undefined;
  }
  const created = await identity.createEntity(input);
  const aliases = await identity.aliasesOf(created.id);
  return { data: { id: created.id, name: created.name, aliases: aliases.length > 0 ? aliases.map((a) => a.id) : null } };
}

async function readEntity(identity: IdentityApi, entity: Entity | undefined): Promise<LogicalResponse | undefined> {
  if (!entity) return undefined;
  return { data: entityRead(entity, await identity.aliasesOf(entity.id)) };
}

async function listEntities(identity: IdentityApi, byId: boolean): Promise<LogicalResponse> {
  const keys: string[] = [];
  const keyInfo: Record<string, unknown> = {};
  for (const e of await identity.listEntities()) {
    keys.push(byId ? e.id : e.name);
    keyInfo[e.id] = entityKeyInfo(e, await identity.aliasesOf(e.id));
  }
  return { data: { keys, key_info: keyInfo } };
}

export function entityPaths(identity: IdentityApi): PathDef[] {
  return [
    definePath({
      pattern: 'entity',
      fields: entityFields,
      synopsis: 'Create (or update) an entity.',
      operations: {
        update: { summary: 'Create an entity, or update the one with this id or name.', handler: (ctx) => upsertEntity(identity, ctx) },
      },
    }),
    definePath({
      pattern: 'entity/id/?',
      fields: {},
      synopsis: 'List entities by id.',
      operations: { list: { summary: 'List entity ids.', handler: () => listEntities(identity, true) } },
    }),
    definePath({
      pattern: 'entity/name/?',
      fields: {},
      synopsis: 'List entities by name.',
      operations: { list: { summary: 'List entity names.', handler: () => listEntities(identity, false) } },
    }),
    definePath({
      pattern: 'entity/id/(?<id>[^/]+)',
      fields: entityFields,
      synopsis: 'Read, update or delete an entity by id.',
      operations: {
        read: { summary: 'Read an entity.', handler: async (ctx) => readEntity(identity, await identity.getEntity(ctx.fields.id ?? '')) },
        update: { summary: 'Update an entity.', handler: (ctx) => upsertEntity(identity, ctx) },
        delete: {
          summary: 'Delete an entity and its aliases.',
          handler: async (ctx) => {
            const e = await identity.getEntity(ctx.fields.id ?? '');
            if (e) await identity.deleteEntity(e.id);
            return undefined;
          },
        },
      },
    }),
    definePath({
      pattern: 'entity/name/(?<name>.+)',
      fields: entityFields,
      synopsis: 'Read, create/update or delete an entity by name.',
      operations: {
        read: { summary: 'Read an entity.', handler: async (ctx) => readEntity(identity, await identity.entityByName(ctx.fields.name ?? '')) },
        update: { summary: 'Create or update the entity with this name.', handler: (ctx) => upsertEntity(identity, ctx) },
        delete: {
          summary: 'Delete an entity and its aliases.',
          handler: async (ctx) => {
            const e = await identity.entityByName(ctx.fields.name ?? '');
            if (e) await identity.deleteEntity(e.id);
            return undefined;
          },
        },
      },
    }),
  ];
}
