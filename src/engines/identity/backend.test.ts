import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KeepError } from '../../errors.ts';
import { createIdentityBackend } from './backend.ts';
import { FakeIdentity, makeRunner } from './test-fakes.ts';

async function rejects(p: Promise<unknown>, status: number, message: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof KeepError, `expected KeepError, got ${String(e)}`);
    assert.equal(e.message, message);
    assert.equal(e.status, status);
    return true;
  });
}

function setup() {
  const identity = new FakeIdentity();
  const backend = createIdentityBackend(identity);
  return { identity, backend, run: makeRunner(backend) };
}

describe('identity/entity', () => {
  it('creates an entity: {id, name, aliases:null}; metadata as k=v list, policies as comma string', async () => {
    const { run, identity } = setup();
    const r = await run('update', 'entity', { name: 'ci-bot', metadata: ['repo=acme/api', 'team=infra'], policies: 'ci, ci, reader' });
    const id = r?.data?.id as string;
    assert.deepEqual(r?.data, { id, name: 'ci-bot', aliases: null });
    const e = identity.entities.get(id);
    assert.deepEqual(e?.metadata, { repo: 'acme/api', team: 'infra' });
    assert.deepEqual(e?.policies, ['ci', 'reader']);
  });

  it('generates a name when none is given', async () => {
    const { run } = setup();
    const r = await run('update', 'entity', {});
    assert.match(r?.data?.name as string, /^entity_/);
  });

  it('updates (204) by body id, by URL id, and by existing name', async () => {
    const { run, identity } = setup();
    const id = (await run('update', 'entity', { name: 'e1' }))?.data?.id as string;
    assert.equal(await run('update', 'entity', { id, metadata: { a: '1' } }), undefined);
    assert.deepEqual(identity.entities.get(id)?.metadata, { a: '1' });
    assert.equal(await run('update', `entity/id/${id}`, { disabled: true }), undefined);
    assert.equal(identity.entities.get(id)?.disabled, true);
    assert.equal(await run('update', 'entity', { name: 'e1', policies: ['p'] }), undefined);
    assert.deepEqual(identity.entities.get(id)?.policies, ['p']);
    assert.deepEqual(identity.entities.get(id)?.metadata, { a: '1' });
    assert.equal(await run('update', 'entity/name/e1', { metadata: { b: '2' } }), undefined);
    assert.deepEqual(identity.entities.get(id)?.metadata, { b: '2' });
  });

  it('POST entity/name/<new> creates it with that name', async () => {
    const { run } = setup();
    const r = await run('update', 'entity/name/fresh', { policies: ['x'] });
    assert.equal(r?.data?.name, 'fresh');
  });

  it('rejects bad entity writes', async () => {
    const { run } = setup();
    const a = (await run('update', 'entity', { name: 'a' }))?.data?.id as string;
    await run('update', 'entity', { name: 'b' });
    await rejects(run('update', 'entity', { id: 'nope' }), 400, 'entity not found from id');
    await rejects(run('update', `entity/id/nope`, { name: 'x' }), 400, 'entity not found from id');
    await rejects(run('update', 'entity', { id: a, name: 'b' }), 400, 'entity name is already in use');
    await rejects(run('update', 'entity', { name: 'c', policies: ['root'] }), 400, 'policies cannot contain root');
  });

  it('reads by id and by name with Vault\'s shape', async () => {
    const { run, identity } = setup();
    const id = (await run('update', 'entity', { name: 'reader', metadata: { k: 'v' }, policies: ['p1'] }))?.data?.id as string;
    const alias = await identity.createAlias({ name: 'acme/api', canonicalId: id, mountAccessor: 'auth_jwt_1a2b3c4d', metadata: { repository: 'acme/api' } });
    const r = await run('read', `entity/id/${id}`);
    assert.deepEqual(r?.data, {
      aliases: [
        {
          canonical_id: id,
          creation_time: '2025-02-03T10:11:12.123456789Z',
          custom_metadata: null,
          id: alias.id,
          last_update_time: '2025-02-03T10:11:12.123456789Z',
          local: false,
          merged_from_canonical_ids: null,
          metadata: { repository: 'acme/api' },
          mount_accessor: 'auth_jwt_1a2b3c4d',
          mount_path: 'auth/jwt/',
          mount_type: 'jwt',
          name: 'acme/api',
        },
      ],
      creation_time: '2025-02-03T10:11:12.123456789Z',
      direct_group_ids: [],
      disabled: false,
      group_ids: [],
      id,
      inherited_group_ids: [],
      last_update_time: '2025-02-03T10:11:12.123456789Z',
      merged_entity_ids: null,
      metadata: { k: 'v' },
      name: 'reader',
      namespace_id: 'root',
      policies: ['p1'],
    });
    assert.deepEqual((await run('read', 'entity/name/reader'))?.data, r?.data);
    assert.equal(await run('read', 'entity/id/missing'), undefined);
    assert.equal(await run('read', 'entity/name/missing'), undefined);
    const bare = await run('update', 'entity', { name: 'bare' });
    assert.equal((await run('read', 'entity/name/bare'))?.data?.metadata, null);
    assert.deepEqual((await run('read', `entity/id/${bare?.data?.id as string}`))?.data?.aliases, []);
  });

  it('deletes by id and by name (idempotent), with aliases', async () => {
    const { run, identity } = setup();
    const id = (await run('update', 'entity', { name: 'gone' }))?.data?.id as string;
    await identity.createAlias({ name: 'x', canonicalId: id, mountAccessor: 'auth_jwt_1a2b3c4d' });
    assert.equal(await run('delete', `entity/id/${id}`), undefined);
    assert.equal(identity.entities.size, 0);
    assert.equal(identity.aliases.size, 0);
    assert.equal(await run('delete', `entity/id/${id}`), undefined);
    await run('update', 'entity', { name: 'byname' });
    assert.equal(await run('delete', 'entity/name/byname'), undefined);
    assert.equal(identity.entities.size, 0);
    assert.equal(await run('delete', 'entity/name/byname'), undefined);
  });

  it('lists by id and by name with key_info', async () => {
    const { run, identity } = setup();
    const id = (await run('update', 'entity', { name: 'one' }))?.data?.id as string;
    const alias = await identity.createAlias({ name: 'u', canonicalId: id, mountAccessor: 'auth_jwt_1a2b3c4d' });
    const byId = await run('list', 'entity/id/');
    assert.deepEqual(byId?.data, {
      keys: [id],
      key_info: { [id]: { name: 'one', aliases: [{ id: alias.id, mount_accessor: 'auth_jwt_1a2b3c4d', mount_path: 'auth/jwt/', mount_type: 'jwt', name: 'u' }] } },
    });
    const byName = await run('list', 'entity/name/');
    assert.deepEqual(byName?.data?.keys, ['one']);
  });

  it('an empty list has empty keys (the renderer answers 404)', async () => {
    const { run } = setup();
    assert.deepEqual((await run('list', 'entity/id/'))?.data, { keys: [], key_info: {} });
  });
});

describe('identity/entity-alias', () => {
  it('creates an alias on an entity and reads it', async () => {
    const { run } = setup();
    const eid = (await run('update', 'entity', { name: 'e' }))?.data?.id as string;
    const r = await run('update', 'entity-alias', { name: 'acme/api', canonical_id: eid, mount_accessor: 'auth_jwt_1a2b3c4d', metadata: { repository: 'acme/api' } });
    const aid = r?.data?.id as string;
    assert.deepEqual(r?.data, { id: aid, canonical_id: eid });
    const read = await run('read', `entity-alias/id/${aid}`);
    assert.deepEqual(read?.data, {
      canonical_id: eid,
      creation_time: '2025-02-03T10:11:12.123456789Z',
      custom_metadata: null,
      id: aid,
      last_update_time: '2025-02-03T10:11:12.123456789Z',
      local: false,
      merged_from_canonical_ids: null,
      metadata: { repository: 'acme/api' },
      mount_accessor: 'auth_jwt_1a2b3c4d',
      mount_path: 'auth/jwt/',
      mount_type: 'jwt',
      name: 'acme/api',
      namespace_id: 'root',
    });
    assert.equal(await run('read', 'entity-alias/id/missing'), undefined);
  });

  it('creates its own entity when canonical_id is empty (entity_id is the legacy name)', async () => {
    const { run, identity } = setup();
    const r = await run('update', 'entity-alias', { name: 'u', mount_accessor: 'auth_jwt_1a2b3c4d' });
    assert.ok(identity.entities.has(r?.data?.canonical_id as string));
    const eid = (await run('update', 'entity', { name: 'e2' }))?.data?.id as string;
    const l = await run('update', 'entity-alias', { name: 'v', entity_id: eid, mount_accessor: 'auth_approle_5e6f7a8b' });
    assert.equal(l?.data?.canonical_id, eid);
  });

  it('re-posting an identical alias is a no-op (204)', async () => {
    const { run } = setup();
    const eid = (await run('update', 'entity', { name: 'e' }))?.data?.id as string;
    await run('update', 'entity-alias', { name: 'u', canonical_id: eid, mount_accessor: 'auth_jwt_1a2b3c4d', metadata: { a: '1' } });
    assert.equal(await run('update', 'entity-alias', { name: 'u', mount_accessor: 'auth_jwt_1a2b3c4d', metadata: { a: '1' } }), undefined);
  });

  it('rejects bad alias writes', async () => {
    const { run, identity } = setup();
    const eid = (await run('update', 'entity', { name: 'e' }))?.data?.id as string;
    await rejects(run('update', 'entity-alias', { name: 'u' }), 400, `'id' or 'mount_accessor' and 'name' must be provided`);
    await rejects(run('update', 'entity-alias', { mount_accessor: 'auth_jwt_1a2b3c4d' }), 400, `'id' or 'mount_accessor' and 'name' must be provided`);
    await rejects(run('update', 'entity-alias', { name: 'u', canonical_id: 'nope', mount_accessor: 'auth_jwt_1a2b3c4d' }), 400, 'invalid canonical ID');
    await run('update', 'entity-alias', { name: 'u', canonical_id: eid, mount_accessor: 'auth_jwt_1a2b3c4d' });
    await rejects(
      run('update', 'entity-alias', { name: 'other', canonical_id: eid, mount_accessor: 'auth_jwt_1a2b3c4d' }),
      400,
      'Alias already exists for requested entity and mount accessor',
    );
    await rejects(
      run('update', 'entity-alias', { name: 'u', mount_accessor: 'auth_jwt_1a2b3c4d', metadata: { changed: 'yes' } }),
      400,
      'alias with combination of mount accessor and name already exists',
    );
    const before = identity.entities.size;
    await rejects(run('update', 'entity-alias', { name: 'z', mount_accessor: 'auth_nope_00000000' }), 400, 'invalid mount accessor "auth_nope_00000000"');
    assert.equal(identity.entities.size, before, 'no entity is left behind for a failed alias');
  });

  it('lists and deletes aliases', async () => {
    const { run } = setup();
    const r = await run('update', 'entity-alias', { name: 'u', mount_accessor: 'auth_jwt_1a2b3c4d' });
    const aid = r?.data?.id as string;
    const eid = r?.data?.canonical_id as string;
    const l = await run('list', 'entity-alias/id/');
    assert.deepEqual(l?.data, {
      keys: [aid],
      key_info: { [aid]: { canonical_id: eid, custom_metadata: null, mount_accessor: 'auth_jwt_1a2b3c4d', mount_path: 'auth/jwt/', mount_type: 'jwt', name: 'u' } },
    });
    assert.equal(await run('delete', `entity-alias/id/${aid}`), undefined);
    assert.equal(await run('read', `entity-alias/id/${aid}`), undefined);
    assert.equal(await run('delete', `entity-alias/id/${aid}`), undefined);
  });
});
