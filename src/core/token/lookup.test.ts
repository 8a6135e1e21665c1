import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isKeepError } from '../../errors.ts';
import type { AuthSpec } from '../../framework/types.ts';
import { rfc3339Nano } from './describe.ts';
import { harness, type Harness } from './test-helpers.ts';
import type { CreateTokenInput } from './types.ts';

async function make(h: Harness, extra: Omit<Partial<CreateTokenInput>, 'parentToken'> = {}) {
  const root = await h.root();
  return h.store.create({ parentToken: root, sudo: true, requestPath: 'create', orphan: false, policies: ['a'], ...extra });
}

const loginAuth = (over: Partial<AuthSpec> = {}): AuthSpec => ({
  displayName: 'repo:acme/api',
  policies: ['CI-Read', 'ci-read'],
  metadata: { repository: 'acme/api', role: 'gha' },
  ttl: 900,
  maxTTL: 0,
  explicitMaxTTL: 0,
  period: 0,
  numUses: 0,
  noDefaultPolicy: false,
  boundCIDRs: [],
  tokenType: 'default',
  internalData: { role: 'gha' },
  renewable: true,
  ...over,
});

function login(h: Harness, auth: AuthSpec, over: { mountTokenType?: string; entityId?: string; identityPolicies?: string[] } = {}) {
  return h.store.issueForLogin({
    auth,
    path: 'auth/jwt/login',
    mountAccessor: 'auth_jwt_5',
    mountPath: 'auth/jwt/',
    mountType: 'jwt',
    mountDefaultTTL: 3600,
    mountMaxTTL: 7200,
    mountTokenType: over.mountTokenType ?? 'default-service',
    entityId: over.entityId ?? '',
    identityPolicies: over.identityPolicies ?? [],
  });
}

describe('lookup object', () => {
  it('has the documented keys, sorted, with the id as presented', async () => {
    const h = await harness();
    const t = await make(h, { meta: { k: 'v' }, displayName: 'ci', ttl: 900 });
    h.advance(58);
    const data = await h.store.describe(t.entry, t.token);
    assert.deepEqual(Object.keys(data), [
      'accessor',
      'creation_time',
      'creation_ttl',
      'display_name',
      'entity_id',
      'expire_time',
      'explicit_max_ttl',
      'id',
      'issue_time',
      'meta',
      'num_uses',
      'orphan',
      'path',
      'policies',
      'renewable',
      'ttl',
      'type',
    ]);
    assert.equal(data.id, t.token);
    assert.equal(data.creation_ttl, 900);
    assert.equal(data.ttl, 842);
    assert.equal(data.renewable, true);
    assert.equal(data.orphan, false);
    assert.equal(data.display_name, 'token-ci');
    assert.equal(data.path, 'auth/token/create');
    assert.equal(data.expire_time, rfc3339Nano(t.entry.expireTime));
    assert.equal(data.issue_time, rfc3339Nano(t.entry.issueTime));
    assert.equal(data.type, 'service');
  });

  it('the init root token has no lease keys; a create-made root has them with renewable false', async () => {
    const h = await harness();
    const rootToken = await h.root();
    const root = await h.store.lookup(rootToken);
    assert.ok(root);
    const d = await h.store.describe(root, rootToken);
    assert.equal('renewable' in d, false);
    assert.equal('issue_time' in d, false);
    assert.equal(d.expire_time, null);
    assert.equal(d.ttl, 0);
    assert.equal(d.orphan, true);
    assert.equal(d.display_name, 'root');
    assert.equal(d.path, 'auth/token/root');
    const made = await make(h, { policies: ['root'] });
    const m = await h.store.describe(made.entry, made.token);
    assert.equal(m.renewable, false);
    assert.equal(typeof m.issue_time, 'string');
    assert.equal(m.expire_time, null);
  });

  it('role, period and bound_cidrs appear only when set; a role-only period is not shown', async () => {
    const h = await harness();
    await h.store.writeRole('r', { tokenPeriod: 100, tokenBoundCIDRs: ['10.0.0.0/8'] });
    const viaRole = await make(h, { roleName: 'r', requestPath: 'create/r' });
    const d = await h.store.describe(viaRole.entry, viaRole.token);
    assert.equal(d.role, 'r');
    assert.equal('period' in d, false);
    assert.deepEqual(d.bound_cidrs, ['10.0.0.0/8']);
    const periodic = await make(h, { period: 60 });
    const p = await h.store.describe(periodic.entry, '');
    assert.equal(p.period, 60);
    assert.equal('role' in p, false);
    assert.equal('bound_cidrs' in p, false);
    assert.equal(p.id, '');
  });

  it('shows identity policies of the entity with external_namespace_policies', async () => {
    const h = await harness();
    await h.store.writeRole('e', { allowedEntityAliases: ['bot'] });
    const t = await make(h, { roleName: 'e', requestPath: 'create/e', entityAlias: 'bot' });
    const entity = h.identity.entities.get(t.entry.entityId);
    assert.ok(entity);
    const before = await h.store.describe(t.entry, t.token);
    assert.equal('identity_policies' in before, false);
    entity.policies = ['team-b', 'team-a'];
    const after = await h.store.describe(t.entry, t.token);
    assert.deepEqual(after.identity_policies, ['team-a', 'team-b']);
    assert.deepEqual(after.external_namespace_policies, {});
    assert.deepEqual(after.policies, ['a', 'default']);
  });

  it('batch tokens show lease times with renewable false and no accessor', async () => {
    const h = await harness();
    const b = await make(h, { type: 'batch', ttl: 300 });
    const d = await h.store.describe(b.entry, b.token);
    assert.equal(d.accessor, '');
    assert.equal(d.renewable, false);
    assert.equal(d.type, 'batch');
    assert.equal(d.ttl, 300);
  });
});

describe('accessors', () => {
  it('find tokens, are listed, and disappear on revocation', async () => {
    const h = await harness();
    const a = await make(h);
    const b = await make(h);
    assert.equal((await h.store.lookupByAccessor(a.entry.accessor))?.hash, a.entry.hash);
    assert.equal(await h.store.lookupByAccessor('nope'), undefined);
    assert.equal(await h.store.lookupByAccessor(''), undefined);
    const all = await h.store.listAccessors();
    assert.ok(all.includes(a.entry.accessor) && all.includes(b.entry.accessor));
    await h.store.revokeTree(a.entry.hash);
    assert.equal((await h.store.listAccessors()).includes(a.entry.accessor), false);
  });
});

describe('storage hygiene', () => {
  it('never stores a raw token or accessor as a key, and never the token in any value', async () => {
    const h = await harness();
    const root = await h.root();
    const t = await make(h, {});
    const custom = await h.store.create({ parentToken: root, sudo: true, requestPath: 'create', orphan: false, id: 'custom-raw-id-123' });
    await h.store.renew(t.entry, 60, t.token);
    const dump = h.view.dump();
    for (const raw of [root, t.token, custom.token]) assert.equal(dump.includes(raw), false, 'raw token at rest');
    assert.equal(t.token.slice(4).length >= 24, true);
    const keys = [...h.view.data.keys()].join('\n');
    assert.equal(keys.includes(t.entry.accessor), false, 'accessors are keyed by HMAC');
    assert.ok(keys.includes(`sys/token/id/${h.store.hashToken(t.token)}`));
  });

  it('keeps the salt across restarts (same hash, still valid)', async () => {
    const h = await harness();
    const t = await make(h);
    const { TokenStore } = await import('./store.ts');
    const again = new TokenStore({ ...h.store.deps });
    await again.setup();
    assert.equal(again.hashToken(t.token), h.store.hashToken(t.token));
    assert.ok(await again.lookup(t.token));
  });
});

describe('login tokens', () => {
  it('are orphans with role policies + default, login display name and the auth block of 2.1', async () => {
    const h = await harness();
    const issued = await login(h, loginAuth(), { entityId: 'ent-1', identityPolicies: ['ci-templated'] });
    assert.deepEqual(issued.entry.policies, ['ci-read', 'default']);
    assert.equal(issued.entry.displayName, 'jwt-repo:acme/api');
    assert.equal(issued.entry.path, 'auth/jwt/login');
    assert.equal(issued.entry.parentHash, '');
    assert.equal(issued.entry.mountAccessor, 'auth_jwt_5');
    assert.deepEqual(issued.authBlock, {
      client_token: issued.token,
      accessor: issued.entry.accessor,
      policies: ['ci-read', 'ci-templated', 'default'],
      token_policies: ['ci-read', 'default'],
      identity_policies: ['ci-templated'],
      metadata: { repository: 'acme/api', role: 'gha' },
      lease_duration: 900,
      renewable: true,
      entity_id: 'ent-1',
      token_type: 'service',
      orphan: true,
      mfa_requirement: null,
      num_uses: 0,
    });
    assert.ok(h.expiration.registered.has(issued.entry.hash));
  });

  it('empty role policies yield ["default"]; no_default_policy strips it; root is refused', async () => {
    const h = await harness();
    assert.deepEqual((await login(h, loginAuth({ policies: [] }))).entry.policies, ['default']);
    const bare = await login(h, loginAuth({ policies: [], noDefaultPolicy: true }));
    assert.deepEqual(bare.entry.policies, []);
    assert.equal('token_policies' in bare.authBlock, false);
    await assert.rejects(login(h, loginAuth({ policies: ['root'] })), (e: unknown) => isKeepError(e) && e.message === 'auth methods cannot create root tokens');
    await assert.rejects(login(h, loginAuth(), { identityPolicies: ['root'] }), (e: unknown) => isKeepError(e) && e.message === 'auth methods cannot create root tokens');
  });

  it('TTL from the mount and role with warnings; AppRole-style empty display name', async () => {
    const h = await harness();
    const capped = await login(h, loginAuth({ ttl: 10_000 }));
    assert.equal(capped.authBlock.lease_duration, 7200);
    assert.deepEqual(capped.warnings, ['TTL of "2h46m40s" exceeded the effective max_ttl of "2h"; TTL value is capped accordingly']);
    assert.equal((await login(h, loginAuth({ ttl: 0 }))).authBlock.lease_duration, 3600);
    const approle = await h.store.issueForLogin({
      auth: loginAuth({ displayName: '' }),
      path: 'auth/approle/login',
      mountAccessor: 'auth_approle_1',
      mountPath: 'auth/approle/',
      mountType: 'approle',
      mountDefaultTTL: 60,
      mountMaxTTL: 60,
      mountTokenType: 'default-service',
      entityId: '',
      identityPolicies: [],
    });
    assert.equal(approle.entry.displayName, 'approle');
  });

  it('token type: mount tune x role', async () => {
    const h = await harness();
    const typeOf = async (mount: string, role: AuthSpec['tokenType']) => (await login(h, loginAuth({ tokenType: role }), { mountTokenType: mount })).entry.type;
    assert.equal(await typeOf('default-service', 'default'), 'service');
    assert.equal(await typeOf('default-service', 'batch'), 'batch');
    assert.equal(await typeOf('default-service', 'default-batch'), 'batch');
    assert.equal(await typeOf('default-batch', 'default'), 'batch');
    assert.equal(await typeOf('default-batch', 'default-service'), 'service');
    assert.equal(await typeOf('service', 'batch'), 'service');
    assert.equal(await typeOf('batch', 'service'), 'batch');
    const b = await login(h, loginAuth({ numUses: 3, period: 60 }), { mountTokenType: 'batch' });
    assert.match(b.token, /^hvb\./);
    assert.equal(b.authBlock.renewable, false);
    assert.equal(b.authBlock.orphan, true);
    assert.equal(b.entry.numUses, 0);
  });
});

describe('wrapping tokens', () => {
  it('carry response-wrapping, one use, ttl = explicit max, orphan, not renewable', async () => {
    const h = await harness();
    const w = await h.store.createWrappingToken(300, 'auth/approle/role/ci/secret-id');
    assert.deepEqual(w.entry.policies, ['response-wrapping']);
    assert.equal(w.entry.numUses, 1);
    assert.equal(w.entry.ttl, 300);
    assert.equal(w.entry.explicitMaxTTL, 300);
    assert.equal(w.entry.parentHash, '');
    assert.equal(w.entry.renewable, false);
    assert.equal(w.entry.path, 'auth/approle/role/ci/secret-id');
    const used = await h.store.check(w.token, '127.0.0.1');
    assert.equal(used?.finalUse, true);
    assert.equal(await h.store.check(w.token, '127.0.0.1'), undefined);
  });
});
