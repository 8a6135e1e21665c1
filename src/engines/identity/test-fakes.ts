/** An in-memory IdentityApi and a dispatch runner for the identity backend tests. */
import { randomUUID } from 'node:crypto';
import type { Entity, EntityAlias, IdentityApi, IdentityContext } from '../../core/contracts.ts';
import { badRequest } from '../../errors.ts';
import { prepare } from '../../framework/dispatch.ts';
import { compileBackend } from '../../framework/router.ts';
import type { Backend, LogicalResponse, MountInfo, Operation, StorageView } from '../../framework/types.ts';

const T0 = '2025-02-03T10:11:12.123456789Z';

/** Mount accessors the fake knows: accessor -> [type, path]. */
const MOUNTS: Record<string, [string, string]> = {
  auth_jwt_1a2b3c4d: ['jwt', 'auth/jwt/'],
  auth_approle_5e6f7a8b: ['approle', 'auth/approle/'],
};

export class FakeIdentity implements IdentityApi {
  readonly entities = new Map<string, Entity>();
  readonly aliases = new Map<string, EntityAlias>();
  private n = 0;

  async loginAlias(): Promise<Entity> {
    throw new Error('not used by the identity backend');
  }

  async getEntity(id: string) {
    return this.entities.get(id);
  }

  async entityByName(name: string) {
    return [...this.entities.values()].find((e) => e.name === name);
  }

  async createEntity(input: { name?: string; metadata?: Record<string, string>; policies?: string[]; disabled?: boolean }): Promise<Entity> {
    const id = randomUUID();
    const e: Entity = {
      id,
      name: input.name || `entity_${(++this.n).toString(16).padStart(8, '0')}`,
      metadata: input.metadata ?? {},
      policies: input.policies ?? [],
      disabled: input.disabled ?? false,
      creationTime: T0,
      lastUpdateTime: T0,
    };
    this.entities.set(id, e);
    return e;
  }

  async updateEntity(id: string, input: { name?: string; metadata?: Record<string, string>; policies?: string[]; disabled?: boolean }): Promise<Entity> {
    const e = this.entities.get(id);
    if (!e) throw badRequest('entity not found');
    const next: Entity = {
      ...e,
      ...(input.name !== undefined ? { name: input.name } : {}),
      ...(input.metadata !== undefined ? { metadata: input.metadata } : {}),
      ...(input.policies !== undefined ? { policies: input.policies } : {}),
      ...(input.disabled !== undefined ? { disabled: input.disabled } : {}),
      lastUpdateTime: '2025-02-04T00:00:00Z',
    };
    this.entities.set(id, next);
    return next;
  }

  async deleteEntity(id: string): Promise<void> {
    this.entities.delete(id);
    for (const [aid, a] of this.aliases) if (a.canonicalId === id) this.aliases.delete(aid);
  }

  async listEntities(): Promise<Entity[]> {
    return [...this.entities.values()];
  }

  async createAlias(input: { name: string; canonicalId: string; mountAccessor: string; metadata?: Record<string, string> }): Promise<EntityAlias> {
    const mount = MOUNTS[input.mountAccessor];
    if (!mount) throw badRequest(`invalid mount accessor "${input.mountAccessor}"`);
    const a: EntityAlias = {
      id: randomUUID(),
      canonicalId: input.canonicalId,
      mountAccessor: input.mountAccessor,
      mountType: mount[0],
      mountPath: mount[1],
      name: input.name,
      metadata: input.metadata ?? {},
      creationTime: T0,
      lastUpdateTime: T0,
    };
    this.aliases.set(a.id, a);
    return a;
  }

  async getAlias(id: string) {
    return this.aliases.get(id);
  }

  async deleteAlias(id: string): Promise<void> {
    this.aliases.delete(id);
  }

  async aliasesOf(entityId: string): Promise<EntityAlias[]> {
    return [...this.aliases.values()].filter((a) => a.canonicalId === entityId);
  }

  async contextFor(): Promise<{ identity: IdentityContext; policies: string[] }> {
    return { identity: { groups: [], tokenMetadata: {} }, policies: [] };
  }
}

const noStorage = new Proxy({} as StorageView, {
  get() {
    throw new Error('the identity backend must not touch its storage view');
  },
});

export function makeRunner(backend: Backend) {
  const compiled = compileBackend(backend);
  const mount: MountInfo = {
    path: 'identity/',
    type: 'identity',
    accessor: 'identity_00000000',
    uuid: '00000000-0000-0000-0000-000000000001',
    options: null,
    defaultLeaseTTL: () => 2764800,
    maxLeaseTTL: () => 2764800,
    local: false,
  };
  return async (operation: Operation, path: string, data: Record<string, unknown> = {}): Promise<LogicalResponse | undefined> =>
    prepare(compiled, {
      requestId: '11111111-2222-3333-4444-555555555555',
      operation,
      path,
      fullPath: `identity/${path}`,
      raw: data,
      storage: noStorage,
      mount,
      caller: undefined,
      clientToken: '',
      remoteAddress: '127.0.0.1',
      wrapTTL: 0,
      headers: {},
    }).execute(operation);
}
