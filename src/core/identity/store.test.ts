import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KeepError } from '../../errors.ts';
import { TestView } from '../expiration/test-view.ts';
import { IdentityStore } from './store.ts';

const T0 = 1_700_000_000_000;
const JWT = 'auth_jwt_1a2b3c4d';
const APPROLE = 'auth_approle_5e6f7a8b';
const MOUNTS: Record<string, { type: string; path: string }> = {
  [JWT]: { type: 'jwt', path: 'auth/jwt/' },
  [APPROLE]: { type: 'approle', path: 'auth/approle/' },
};

function setup(view = new TestView()) {
  const clock = { now: T0 };
  const make = () => new IdentityStore({ view, mountTypeOf: (a) => MOUNTS[a], now: () => clock.now });
  return { view, clock, store: make(), make };
}

const login = (store: IdentityStore, name: string, metadata: Record<string, string> = {}) =>
  store.loginAlias({ mountAccessor: JWT, mountType: 'jwt', mountPath: 'auth/jwt/', name, metadata });

async function rejects(p: Promise<unknown>, status: number, message: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof KeepError, String(e));
    assert.equal(e.status, status);
    assert.equal(e.message, message);
    return true;
  });
}

describe('IdentityStore: logins', () => {
  it('creates an entity and an alias on first login', async () => {
    const { store } = setup();
    const e = await login(store, 'repo:acme/api:ref:refs/heads/main', { repository: 'acme/api' });
    assert.match(e.id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.match(e.name, /^entity_[0-9a-f]{8}$/);
    assert.deepEqual(e.policies, []);
    assert.deepEqual(e.metadata, {});
    assert.equal(e.disabled, false);
    assert.equal(e.creationTime, '2023-11-14T22:13:20Z');
    const [alias] = await store.aliasesOf(e.id);
    assert.equal(alias.canonicalId, e.id);
    assert.equal(alias.mountAccessor, JWT);
    assert.equal(alias.mountType, 'jwt');
    assert.equal(alias.mountPath, 'auth/jwt/');
    assert.equal(alias.name, 'repo:acme/api:ref:refs/heads/main');
    assert.deepEqual(alias.metadata, { repository: 'acme/api' });
  });

  it('reuses the entity on later logins, overwriting changed metadata and bumping last_update_time', async () => {
    const { store, clock, view } = setup();
    const first = await login(store, 'ci', { run: '1' });
    clock.now += 5000;
    view.resetStats();
    const same = await login(store, 'ci', { run: '1' });
    assert.equal(same.id, first.id);
    assert.equal(view.stats.transaction, 0, 'an unchanged login writes nothing');
    const again = await login(store, 'ci', { run: '2' });
    assert.equal(again.id, first.id);
    const [alias] = await store.aliasesOf(first.id);
    assert.deepEqual(alias.metadata, { run: '2' });
    assert.equal(alias.lastUpdateTime, '2023-11-14T22:13:25Z');
    assert.equal(alias.creationTime, '2023-11-14T22:13:20Z');
  });

  it('keys aliases by (mount accessor, name), names case-insensitively', async () => {
    const { store } = setup();
    const a = await login(store, 'alice');
    const b = await login(store, 'ALICE');
    const c = await store.loginAlias({ mountAccessor: APPROLE, mountType: 'approle', mountPath: 'auth/approle/', name: 'alice', metadata: {} });
    assert.equal(a.id, b.id);
    assert.notEqual(a.id, c.id);
  });

  it('refuses a login to a disabled entity with 403', async () => {
    const { store } = setup();
    const e = await login(store, 'ci');
    await store.updateEntity(e.id, { disabled: true });
    await rejects(login(store, 'ci'), 403, 'permission denied');
    await rejects(login(store, 'ci', { changed: 'yes' }), 403, 'permission denied');
  });

  it('rejects an empty alias name', async () => {
    const { store } = setup();
    await rejects(login(store, ''), 400, 'empty alias name');
  });

  it('gives a dangling alias a new entity', async () => {
    const { store, view } = setup();
    const e = await login(store, 'ci');
    await view.delete(`entity/${e.id}`);
    const fresh = setup(view).make();
    const e2 = await login(fresh, 'ci');
    assert.notEqual(e2.id, e.id);
    assert.equal((await fresh.aliasesOf(e2.id)).length, 1);
  });

  it('creates one entity for concurrent first logins of the same alias', async () => {
    const { store } = setup();
    const all = await Promise.all([1, 2, 3, 4].map(() => login(store, 'same')));
    assert.equal(new Set(all.map((e) => e.id)).size, 1);
    assert.equal((await store.listEntities()).length, 1);
  });
});

describe('IdentityStore: entities', () => {
  it('creates, finds by name, updates and deletes', async () => {
    const { store, make } = setup();
    const e = await store.createEntity({ name: 'deployer', metadata: { team: 'ops' }, policies: ['a', 'b', 'a'] });
    assert.deepEqual(e.policies, ['a', 'b']);
    assert.equal((await store.entityByName('Deployer'))?.id, e.id);
    const u = await store.updateEntity(e.id, { name: 'deployer-2', policies: ['c'] });
    assert.equal(u.name, 'deployer-2');
    assert.deepEqual(u.metadata, { team: 'ops' });
    assert.equal(await store.entityByName('deployer'), undefined);
    // Persisted: a new store on the same storage sees it.
    assert.deepEqual((await make().getEntity(e.id))?.policies, ['c']);
    await store.createAlias({ name: 'x', canonicalId: e.id, mountAccessor: JWT });
    await store.deleteEntity(e.id);
    assert.equal(await store.getEntity(e.id), undefined);
    assert.equal(await store.entityByName('deployer-2'), undefined);
    assert.equal(await store.aliasByFactors(JWT, 'x'), undefined);
    await store.deleteEntity(e.id);
  });

  it('refuses a name already in use', async () => {
    const { store } = setup();
    await store.createEntity({ name: 'taken' });
    const other = await store.createEntity({});
    await rejects(store.createEntity({ name: 'TAKEN' }), 400, 'entity name is already in use');
    await rejects(store.updateEntity(other.id, { name: 'taken' }), 400, 'entity name is already in use');
  });

  it('refuses to update an unknown entity', async () => {
    const { store } = setup();
    await rejects(store.updateEntity('nope', { policies: [] }), 400, 'entity not found from id');
  });

  it('returns copies: callers cannot change cached records', async () => {
    const { store } = setup();
    const e = await store.createEntity({ policies: ['a'] });
    e.policies.push('root');
    e.metadata.x = 'y';
    const again = await store.getEntity(e.id);
    assert.deepEqual(again?.policies, ['a']);
    assert.deepEqual(again?.metadata, {});
  });
});

describe('IdentityStore: aliases', () => {
  it('creates an alias with the mount type and path of its accessor', async () => {
    const { store } = setup();
    const e = await store.createEntity({});
    const a = await store.createAlias({ name: 'acme/api', canonicalId: e.id, mountAccessor: JWT, metadata: { repository: 'acme/api' } });
    assert.equal(a.mountType, 'jwt');
    assert.equal(a.mountPath, 'auth/jwt/');
    assert.deepEqual(await store.getAlias(a.id), a);
    assert.equal((await store.aliasByFactors(JWT, 'acme/api'))?.id, a.id);
    await store.deleteAlias(a.id);
    assert.equal(await store.getAlias(a.id), undefined);
    assert.deepEqual(await store.aliasesOf(e.id), []);
  });

  it('creates a new entity when canonical_id is empty', async () => {
    const { store } = setup();
    const a = await store.createAlias({ name: 'n', canonicalId: '', mountAccessor: JWT });
    assert.ok(await store.getEntity(a.canonicalId));
  });

  it('rejects a bad accessor, an unknown entity, a second alias on the mount and a taken factor', async () => {
    const { store } = setup();
    const e = await store.createEntity({});
    const other = await store.createEntity({});
    await rejects(store.createAlias({ name: 'n', canonicalId: e.id, mountAccessor: 'auth_nope_1' }), 400, 'invalid mount accessor "auth_nope_1"');
    await rejects(store.createAlias({ name: 'n', canonicalId: 'missing', mountAccessor: JWT }), 400, 'invalid canonical ID');
    await rejects(store.createAlias({ name: '', canonicalId: e.id, mountAccessor: JWT }), 400, "'id' or 'mount_accessor' and 'name' must be provided");
    await store.createAlias({ name: 'n', canonicalId: e.id, mountAccessor: JWT });
    await rejects(store.createAlias({ name: 'm', canonicalId: e.id, mountAccessor: JWT }), 400, 'Alias already exists for requested entity and mount accessor');
    await rejects(store.createAlias({ name: 'n', canonicalId: other.id, mountAccessor: JWT }), 400, 'alias with combination of mount accessor and name already exists');
    const updated = await store.createAlias({ name: 'n', canonicalId: e.id, mountAccessor: JWT, metadata: { k: 'v' } });
    assert.deepEqual(updated.metadata, { k: 'v' });
  });
});

describe('IdentityStore: request context', () => {
  it('gives the entity, its aliases and the token metadata, and the entity policies', async () => {
    const { store } = setup();
    const e = await login(store, 'repo:acme/api', { repository: 'acme/api' });
    await store.updateEntity(e.id, { policies: ['ci-read'], metadata: { team: 'platform' } });
    const [alias] = await store.aliasesOf(e.id);
    const ctx = await store.contextFor(e.id, { role: 'ci' });
    assert.deepEqual(ctx.policies, ['ci-read']);
    assert.equal(ctx.entityDisabled, false);
    assert.deepEqual(ctx.identity, {
      entity: {
        id: e.id,
        name: e.name,
        metadata: { team: 'platform' },
        aliases: [{ id: alias.id, name: 'repo:acme/api', mountAccessor: JWT, metadata: { repository: 'acme/api' } }],
      },
      groups: [],
      tokenMetadata: { role: 'ci' },
    });
  });

  it('has no entity for tokens without one (or whose entity is gone)', async () => {
    const { store } = setup();
    assert.deepEqual(await store.contextFor('', { a: 'b' }), { identity: { groups: [], tokenMetadata: { a: 'b' } }, policies: [], entityDisabled: false });
    assert.deepEqual((await store.contextFor('gone', {})).identity.entity, undefined);
  });

  it('drops the policies of a disabled entity and says so', async () => {
    const { store } = setup();
    const e = await store.createEntity({ policies: ['p'], disabled: true });
    const ctx = await store.contextFor(e.id, {});
    assert.deepEqual(ctx.policies, []);
    assert.equal(ctx.entityDisabled, true);
  });

  it('serves repeated contexts from the cache, and sees writes at once', async () => {
    const { store, view } = setup();
    const e = await login(store, 'ci');
    await store.contextFor(e.id, {});
    view.resetStats();
    await store.contextFor(e.id, {});
    assert.equal(view.stats.get + view.stats.list + view.stats.scan, 0);
    await store.updateEntity(e.id, { policies: ['new'] });
    assert.deepEqual((await store.contextFor(e.id, {})).policies, ['new']);
    await store.createAlias({ name: 'r', canonicalId: e.id, mountAccessor: APPROLE });
    assert.equal((await store.contextFor(e.id, {})).identity.entity?.aliases.length, 2);
  });

  it('re-reads storage after invalidate()', async () => {
    const { store, make } = setup();
    const e = await store.createEntity({ policies: ['a'] });
    await make().updateEntity(e.id, { policies: ['b'] });
    assert.deepEqual((await store.getEntity(e.id))?.policies, ['a']);
    store.invalidate();
    assert.deepEqual((await store.getEntity(e.id))?.policies, ['b']);
  });
});
