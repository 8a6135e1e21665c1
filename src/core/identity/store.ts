/**
 * The identity store (spec/auth.md 4.1-4.5): entities and their aliases, kept in a `sys/identity/`
 * view, with recently used records cached in memory and the cache updated on every write here
 * (`invalidate()` drops it for writes made elsewhere, e.g. another HA node).
 *
 *   entity/<id>                                   Entity
 *   entity-name/<lower-cased name>                {id}   name index
 *   alias/<id>                                    EntityAlias
 *   alias-factor/<accessor>/<lower-cased name>    {id}   (mount accessor, alias name) index
 *   entity-alias/<entity id>/<alias id>           {id}   aliases of an entity
 *
 * Names are matched case-insensitively, like Vault's default. Name segments are escaped so that
 * '/' in a name (`acme/api`) stays inside one key segment.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Entity, EntityAlias, IdentityApi, IdentityContext } from '../contracts.ts';
import type { StorageView, ViewTxOp } from '../../framework/types.ts';
import { badRequest } from '../../errors.ts';
import { rfc3339Nano } from '../../framework/time.ts';
import { Lru } from './lru.ts';
import {
  aliasDeleteOps,
  aliasKey,
  aliasOps,
  cloneAlias,
  cloneEntity,
  dedupe,
  entityDisabled,
  entityKey,
  entityOps,
  factorKey,
  memberKey,
  memberPrefix,
  nameKey,
  sameMap,
} from './layout.ts';

export { entityDisabled } from './layout.ts';

export interface IdentityStoreOptions {
  /** The `sys/identity/` view. */
  view: StorageView;
  /** Type and path (`auth/jwt/`) of the auth mount with this accessor; undefined if none. */
  mountTypeOf: (accessor: string) => { type: string; path: string } | undefined;
  now?: () => number;
  /** Entries per cache (default 10 000). */
  cacheSize?: number;
}

type EntityInput = { name?: string; metadata?: Record<string, string>; policies?: string[]; disabled?: boolean };

const PAGE = 500;

export class IdentityStore implements IdentityApi {
  private readonly view: StorageView;
  private readonly mountTypeOf: IdentityStoreOptions['mountTypeOf'];
  private readonly now: () => number;
  private readonly entities: Lru<string, Entity>;
  private readonly aliases: Lru<string, EntityAlias>;
  /** entity id -> its alias ids */
  private readonly members: Lru<string, string[]>;
  /** factor key -> alias id */
  private readonly factors: Lru<string, string>;
  /** Writes are serialised (logins that change nothing do not write). */
  private writing: Promise<unknown> = Promise.resolve();

  constructor(o: IdentityStoreOptions) {
    this.view = o.view;
    this.mountTypeOf = o.mountTypeOf;
    this.now = o.now ?? Date.now;
    const size = o.cacheSize ?? 10_000;
    this.entities = new Lru(size);
    this.aliases = new Lru(size);
    this.members = new Lru(size);
    this.factors = new Lru(size);
  }

  /** Drops every cached record (storage was written elsewhere). */
  invalidate(): void {
    this.entities.clear();
    this.aliases.clear();
    this.members.clear();
    this.factors.clear();
  }

  // -------------------------------------------------------------------------------------------
  // Login

  async loginAlias(input: { mountAccessor: string; mountType: string; mountPath: string; name: string; metadata: Record<string, string> }): Promise<Entity> {
    if (!input.name) throw badRequest('empty alias name');
    const metadata = { ...input.metadata };
    // Fast path: a known alias with unchanged metadata writes nothing.
    const seen = await this.aliasRecord(input.mountAccessor, input.name);
    if (seen && sameMap(seen.metadata, metadata)) {
      const entity = await this.entityRecord(seen.canonicalId);
      if (entity) {
        if (entity.disabled) throw entityDisabled();
        return cloneEntity(entity);
      }
    }
    return this.write(async () => {
      const stamp = this.stamp();
      const ops: ViewTxOp[] = [];
      let alias = await this.aliasRecord(input.mountAccessor, input.name);
      let entity = alias ? await this.entityRecord(alias.canonicalId) : undefined;
      if (entity?.disabled) throw entityDisabled();
      if (!entity) {
        entity = await this.newEntity({}, stamp);
        ops.push(...entityOps(entity));
      }
      if (!alias) {
        alias = {
          id: randomUUID(),
          canonicalId: entity.id,
          mountAccessor: input.mountAccessor,
          mountType: input.mountType,
          mountPath: input.mountPath,
          name: input.name,
          metadata,
          creationTime: stamp,
          lastUpdateTime: stamp,
        };
      } else if (alias.canonicalId !== entity.id || !sameMap(alias.metadata, metadata)) {
        // Last login wins: changed metadata is overwritten; a dangling alias gets its new entity.
        if (alias.canonicalId !== entity.id) {
          ops.push({ op: 'delete', key: memberKey(alias.canonicalId, alias.id) });
          this.members.delete(alias.canonicalId);
        }
        alias = { ...alias, canonicalId: entity.id, metadata, lastUpdateTime: stamp };
      } else {
        return cloneEntity(entity);
      }
      ops.push(...aliasOps(alias));
      await this.commit(ops, [entity], [alias]);
      return cloneEntity(entity);
    });
  }

  // -------------------------------------------------------------------------------------------
  // Entities

  async getEntity(id: string): Promise<Entity | undefined> {
    const e = await this.entityRecord(id);
    return e ? cloneEntity(e) : undefined;
  }

  async entityByName(name: string): Promise<Entity | undefined> {
    if (!name) return undefined;
    const ref = await this.view.getJSON<{ id: string }>(nameKey(name));
    return ref ? this.getEntity(ref.id) : undefined;
  }

  async createEntity(input: EntityInput): Promise<Entity> {
    return this.write(async () => {
      if (input.name && (await this.entityByName(input.name))) throw badRequest('entity name is already in use');
      const entity = await this.newEntity(input, this.stamp());
      await this.commit(entityOps(entity), [entity], []);
      return cloneEntity(entity);
    });
  }

  async updateEntity(id: string, input: EntityInput): Promise<Entity> {
    return this.write(async () => {
      const old = await this.entityRecord(id);
      if (!old) throw badRequest('entity not found from id');
      const ops: ViewTxOp[] = [];
      const next: Entity = { ...cloneEntity(old), lastUpdateTime: this.stamp() };
      if (input.name && input.name !== old.name) {
        const other = await this.entityByName(input.name);
        if (other && other.id !== id) throw badRequest('entity name is already in use');
        if (input.name.toLowerCase() !== old.name.toLowerCase()) ops.push({ op: 'delete', key: nameKey(old.name) });
        next.name = input.name;
      }
      if (input.metadata !== undefined) next.metadata = { ...input.metadata };
      if (input.policies !== undefined) next.policies = dedupe(input.policies);
      if (input.disabled !== undefined) next.disabled = input.disabled;
      ops.push(...entityOps(next));
      await this.commit(ops, [next], []);
      return cloneEntity(next);
    });
  }

  /** Deletes the entity and its aliases; unknown ids are ignored. */
  async deleteEntity(id: string): Promise<void> {
    await this.write(async () => {
      const entity = await this.entityRecord(id);
      if (!entity) return;
      const ops: ViewTxOp[] = [
        { op: 'delete', key: entityKey(id) },
        { op: 'delete', key: nameKey(entity.name) },
      ];
      const aliases = await this.aliasRecordsOf(id);
      for (const a of aliases) ops.push(...aliasDeleteOps(a));
      try {
        await this.view.transaction(ops);
      } finally {
        this.entities.delete(id);
        this.members.delete(id);
        for (const a of aliases) this.forgetAlias(a);
      }
    });
  }

  async listEntities(): Promise<Entity[]> {
    const out: Entity[] = [];
    let after: string | undefined;
    while (true) {
      const page = await this.view.scan('entity/', after === undefined ? { limit: PAGE } : { after, limit: PAGE });
      for (const e of page) {
        const entity = JSON.parse(new TextDecoder().decode(e.value)) as Entity;
        out.push(entity);
      }
      if (page.length < PAGE) return out;
      after = page[page.length - 1].key;
    }
  }

  // -------------------------------------------------------------------------------------------
  // Aliases

  /**
   * Creates an alias (a new entity when `canonicalId` is ''). An existing alias of the same
   * (accessor, name) on the same entity gets the given metadata; on another entity it is refused.
   */
  async createAlias(input: { name: string; canonicalId: string; mountAccessor: string; metadata?: Record<string, string> }): Promise<EntityAlias> {
    return this.write(async () => {
      if (!input.name || !input.mountAccessor) throw badRequest(`'id' or 'mount_accessor' and 'name' must be provided`);
      const mount = this.mountTypeOf(input.mountAccessor);
      if (!mount) throw badRequest(`invalid mount accessor "${input.mountAccessor}"`);
      const stamp = this.stamp();
      const existing = await this.aliasRecord(input.mountAccessor, input.name);
      if (existing) {
        if (input.canonicalId && input.canonicalId !== existing.canonicalId) {
          throw badRequest('alias with combination of mount accessor and name already exists');
        }
        if (input.metadata === undefined || sameMap(existing.metadata, input.metadata)) return cloneAlias(existing);
        const updated: EntityAlias = { ...existing, metadata: { ...input.metadata }, lastUpdateTime: stamp };
        await this.commit(aliasOps(updated), [], [updated]);
        return cloneAlias(updated);
      }
      const ops: ViewTxOp[] = [];
      let entity: Entity | undefined;
      if (input.canonicalId) {
        entity = await this.entityRecord(input.canonicalId);
        if (!entity) throw badRequest('invalid canonical ID');
        const current = await this.aliasRecordsOf(entity.id);
        if (current.some((a) => a.mountAccessor === input.mountAccessor)) {
          throw badRequest('Alias already exists for requested entity and mount accessor');
        }
      } else {
        entity = await this.newEntity({}, stamp);
        ops.push(...entityOps(entity));
      }
      const alias: EntityAlias = {
        id: randomUUID(),
        canonicalId: entity.id,
        mountAccessor: input.mountAccessor,
        mountType: mount.type,
        mountPath: mount.path,
        name: input.name,
        metadata: { ...(input.metadata ?? {}) },
        creationTime: stamp,
        lastUpdateTime: stamp,
      };
      ops.push(...aliasOps(alias));
      await this.commit(ops, [entity], [alias]);
      return cloneAlias(alias);
    });
  }

  async getAlias(id: string): Promise<EntityAlias | undefined> {
    const a = await this.aliasById(id);
    return a ? cloneAlias(a) : undefined;
  }

  /** The alias of (mount accessor, name), compared case-insensitively. */
  async aliasByFactors(mountAccessor: string, name: string): Promise<EntityAlias | undefined> {
    const a = await this.aliasRecord(mountAccessor, name);
    return a ? cloneAlias(a) : undefined;
  }

  async deleteAlias(id: string): Promise<void> {
    await this.write(async () => {
      const alias = await this.aliasById(id);
      if (!alias) return;
      try {
        await this.view.transaction(aliasDeleteOps(alias));
      } finally {
        this.forgetAlias(alias);
        this.members.delete(alias.canonicalId);
      }
    });
  }

  async aliasesOf(entityId: string): Promise<EntityAlias[]> {
    return (await this.aliasRecordsOf(entityId)).map(cloneAlias);
  }

  // -------------------------------------------------------------------------------------------
  // Request-time context

  /**
   * Templating context and identity policies (the entity's; no groups yet). A disabled entity
   * contributes no policies and is reported in `entityDisabled` (core should refuse the request).
   */
  async contextFor(
    entityId: string,
    tokenMetadata: Record<string, string>,
  ): Promise<{ identity: IdentityContext; policies: string[]; entityDisabled: boolean }> {
    const base: IdentityContext = { groups: [], tokenMetadata: { ...tokenMetadata } };
    const entity = entityId ? await this.entityRecord(entityId) : undefined;
    if (!entity) return { identity: base, policies: [], entityDisabled: false };
    const aliases = await this.aliasRecordsOf(entity.id);
    base.entity = {
      id: entity.id,
      name: entity.name,
      metadata: { ...entity.metadata },
      aliases: aliases.map((a) => ({ id: a.id, name: a.name, mountAccessor: a.mountAccessor, metadata: { ...a.metadata } })),
    };
    return { identity: base, policies: entity.disabled ? [] : [...entity.policies], entityDisabled: entity.disabled };
  }

  // -------------------------------------------------------------------------------------------
  // Internals

  private stamp(): string {
    return rfc3339Nano(this.now());
  }

  private write<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.writing.then(fn);
    this.writing = run.catch(() => undefined);
    return run;
  }

  private async newEntity(input: EntityInput, stamp: string): Promise<Entity> {
    let name = input.name ?? '';
    for (let i = 0; name === '' && i < 10; i++) {
      const candidate = `entity_${randomBytes(4).toString('hex')}`;
      if (!(await this.entityByName(candidate))) name = candidate;
    }
    if (name === '') throw new Error('could not pick a free entity name');
    return {
      id: randomUUID(),
      name,
      metadata: { ...(input.metadata ?? {}) },
      policies: dedupe(input.policies ?? []),
      disabled: input.disabled ?? false,
      creationTime: stamp,
      lastUpdateTime: stamp,
    };
  }

  /** Writes, then refreshes the caches; on failure forgets what may be stale. */
  private async commit(ops: ViewTxOp[], entities: Entity[], aliases: EntityAlias[]): Promise<void> {
    try {
      await this.view.transaction(ops);
    } catch (e) {
      for (const en of entities) {
        this.entities.delete(en.id);
        this.members.delete(en.id);
      }
      for (const a of aliases) this.forgetAlias(a);
      throw e;
    }
    for (const en of entities) this.entities.set(en.id, cloneEntity(en));
    for (const a of aliases) {
      this.aliases.set(a.id, cloneAlias(a));
      this.factors.set(factorKey(a.mountAccessor, a.name), a.id);
      // Membership lists are re-read on next use (an alias may have moved between entities).
      this.members.delete(a.canonicalId);
    }
  }

  private forgetAlias(a: EntityAlias): void {
    this.aliases.delete(a.id);
    this.factors.delete(factorKey(a.mountAccessor, a.name));
  }

  private async entityRecord(id: string): Promise<Entity | undefined> {
    if (!id) return undefined;
    const cached = this.entities.get(id);
    if (cached) return cached;
    const e = await this.view.getJSON<Entity>(entityKey(id));
    if (e) this.entities.set(id, e);
    return e;
  }

  private async aliasById(id: string): Promise<EntityAlias | undefined> {
    if (!id) return undefined;
    const cached = this.aliases.get(id);
    if (cached) return cached;
    const a = await this.view.getJSON<EntityAlias>(aliasKey(id));
    if (a) this.aliases.set(id, a);
    return a;
  }

  private async aliasRecord(accessor: string, name: string): Promise<EntityAlias | undefined> {
    if (!accessor || !name) return undefined;
    const key = factorKey(accessor, name);
    let id = this.factors.get(key);
    if (id === undefined) {
      const ref = await this.view.getJSON<{ id: string }>(key);
      if (!ref) return undefined;
      id = ref.id;
      this.factors.set(key, id);
    }
    return this.aliasById(id);
  }

  private async aliasRecordsOf(entityId: string): Promise<EntityAlias[]> {
    if (!entityId) return [];
    let ids = this.members.get(entityId);
    if (!ids) {
      ids = (await this.view.list(memberPrefix(entityId))).filter((k) => !k.endsWith('/'));
      this.members.set(entityId, ids);
    }
    const out: EntityAlias[] = [];
    for (const id of ids) {
      const a = await this.aliasById(id);
      if (a && a.canonicalId === entityId) out.push(a);
    }
    return out;
  }
}
