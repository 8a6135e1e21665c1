import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isKeepError } from '../../errors.ts';
import { harness, type Harness } from './test-helpers.ts';
import type { CreateTokenInput } from './types.ts';

type Extra = Omit<Partial<CreateTokenInput>, 'parentToken'>;

/** As the pipeline does: a root caller always holds sudo. */
async function create(h: Harness, parentToken: string, extra: Extra = {}) {
  const parent = await h.store.lookup(parentToken);
  const sudo = parent?.policies.includes('root') ?? false;
  return h.store.create({ parentToken, sudo, requestPath: 'create', orphan: false, ...extra });
}

async function rejects(p: Promise<unknown>, message: string, status = 400): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(isKeepError(e), `expected KeepError, got ${String(e)}`);
    assert.equal(e.message, message);
    assert.equal(e.status, status);
    return true;
  });
}

/** A child of root with these policies (sudo create). */
async function tokenWith(h: Harness, policies: string[], extra: Extra = {}): Promise<string> {
  const root = await h.root();
  return (await create(h, root, { sudo: true, policies, ...extra })).token;
}

describe('token create: preconditions in order', () => {
  it('1. the parent must exist', async () => {
    const h = await harness();
    await rejects(create(h, 'hvs.doesnotexistdoesnotexist00'), 'parent token lookup failed: no parent found');
    await rejects(create(h, ''), 'parent token lookup failed: no parent found');
  });

  it('2. batch parents cannot create tokens (before any parameter check)', async () => {
    const h = await harness();
    const root = await h.root();
    const batch = (await create(h, root, { type: 'batch', policies: ['a'], sudo: true })).token;
    await rejects(create(h, batch, { numUses: -1, type: 'bogus' }), 'batch tokens cannot create more tokens');
  });

  it('3. restricted-use parents cannot create tokens; on the final use the parent is gone', async () => {
    const h = await harness();
    const limited = await tokenWith(h, ['a'], { numUses: 3 });
    // The request's own use is consumed first (2 left), then the handler runs.
    assert.equal((await h.store.check(limited, '127.0.0.1'))?.entry.numUses, 2);
    await rejects(create(h, limited, { type: 'bogus' }), 'restricted use token cannot generate child tokens');
    await h.store.check(limited, '127.0.0.1');
    const last = await h.store.check(limited, '127.0.0.1');
    assert.equal(last?.finalUse, true);
    await rejects(create(h, limited), 'parent token lookup failed: no parent found');
  });

  it('4. token type: batch with explicit_max_ttl / num_uses / period, unknown type', async () => {
    const h = await harness();
    const root = await h.root();
    await rejects(create(h, root, { type: 'batch', explicitMaxTTL: 60, numUses: -1 }), 'batch tokens cannot have "explicit_max_ttl" set');
    await rejects(create(h, root, { type: 'batch', numUses: 2 }), 'batch tokens cannot have "num_uses" set');
    await rejects(create(h, root, { type: 'batch', period: 60 }), 'batch tokens cannot have "period" set');
    await rejects(create(h, root, { type: 'other', numUses: -1 }), "invalid 'token_type' value");
    await rejects(create(h, root, { numUses: -1, policies: ['x'] }), 'number of uses cannot be negative');
  });

  it('entity_alias needs a role that allows it', async () => {
    const h = await harness();
    const root = await h.root();
    await rejects(create(h, root, { entityAlias: 'x' }), "'entity_alias' is only allowed in combination with token role");
    await h.store.writeRole('r', { allowedEntityAliases: ['ci-*'] });
    await rejects(create(h, root, { roleName: 'r', requestPath: 'create/r', entityAlias: 'other' }), "invalid 'entity_alias' value");
  });

  it('custom id needs sudo and is checked before policies', async () => {
    const h = await harness();
    const parent = await tokenWith(h, ['a']);
    await rejects(create(h, parent, { id: 'mine', policies: ['zzz'] }), 'root or sudo privileges required to specify token id');
  });

  it('5. policy checks, then root checks', async () => {
    const h = await harness();
    const parent = await tokenWith(h, ['a', 'default']);
    await rejects(create(h, parent, { policies: ['b'], noParent: true }), 'child policies must be subset of parent');
    await rejects(create(h, parent, { policies: ['root'], sudo: true }), 'root tokens may not be created without parent token being root');
    const root = await h.root();
    await rejects(create(h, root, { policies: ['root'], type: 'batch' }), 'batch tokens cannot be root tokens');
    await rejects(create(h, root, { policies: ['response-wrapping'], sudo: true }), 'cannot assign policy "response-wrapping"');
  });

  it('orphan, period and TTL privileges and signs', async () => {
    const h = await harness();
    const parent = await tokenWith(h, ['a']);
    await rejects(create(h, parent, { noParent: true, explicitMaxTTL: -1 }), 'root or sudo privileges required to create orphan token');
    await rejects(create(h, parent, { explicitMaxTTL: -1, period: -1 }), 'explicit_max_ttl must be positive');
    await rejects(create(h, parent, { period: -1, ttl: -1 }), 'period must be positive');
    await rejects(create(h, parent, { period: 60, ttl: -1 }), 'root or sudo privileges required to create periodic token');
    await rejects(create(h, parent, { ttl: -1 }), 'ttl must be positive');
    await rejects(create(h, parent, { lease: -1 }), 'lease must be positive');
  });

  it('6. an expiring root cannot create a non-expiring root', async () => {
    const h = await harness();
    const root = await h.root();
    const expiringRoot = (await create(h, root, { policies: ['root'], ttl: 3600 })).token;
    await rejects(create(h, expiringRoot, { policies: ['root'] }), 'expiring root tokens cannot create non-expiring root tokens');
    // A TTL keeps it legal.
    const ok = await create(h, expiringRoot, { policies: ['root'], ttl: 60 });
    assert.equal(ok.authBlock.lease_duration, 60);
  });

  it('unknown role comes first', async () => {
    const h = await harness();
    await rejects(create(h, 'nope', { roleName: 'ghost', requestPath: 'create/ghost' }), 'unknown role ghost');
  });
});

describe('token create: custom ids', () => {
  it('validates prefix, dots and duplicates', async () => {
    const h = await harness();
    const root = await h.root();
    await rejects(create(h, root, { sudo: true, id: 'hvs.abc' }), "custom token ID cannot have the 'hvs.' prefix");
    await rejects(create(h, root, { sudo: true, id: 's.abc' }), "custom token ID cannot have the 's.' prefix");
    await rejects(create(h, root, { sudo: true, id: 'a.b' }), "custom token ID cannot have a '.' in the value");
    const made = await create(h, root, { sudo: true, id: 'my-ci-token' });
    assert.equal(made.token, 'my-ci-token');
    assert.ok(await h.store.lookup('my-ci-token'));
    await rejects(create(h, root, { sudo: true, id: 'my-ci-token' }), 'cannot create a token with a duplicate ID');
  });

  it('createRootToken applies the same rules', async () => {
    const h = await harness();
    const t = await h.store.createRootToken('root');
    assert.equal(t.token, 'root');
    await rejects(h.store.createRootToken('root'), 'cannot create a token with a duplicate ID');
    await rejects(h.store.createRootToken('hvs.x'), "custom token ID cannot have the 'hvs.' prefix");
  });
});

describe('token create: policy resolution', () => {
  it('no policies: copies the parent set unchanged', async () => {
    const h = await harness();
    const withDefault = await tokenWith(h, ['b', 'a']);
    assert.deepEqual((await create(h, withDefault)).entry.policies, ['a', 'b', 'default']);
    const noDefault = await tokenWith(h, ['a'], { noDefaultPolicy: true });
    assert.deepEqual((await create(h, noDefault)).entry.policies, ['a']);
  });

  it('subset rule without sudo; default added iff the parent has it', async () => {
    const h = await harness();
    const parent = await tokenWith(h, ['a', 'b']);
    assert.deepEqual((await create(h, parent, { policies: [' A '] })).entry.policies, ['a', 'default']);
    assert.deepEqual((await create(h, parent, { policies: ['a'], noDefaultPolicy: true })).entry.policies, ['a']);
    assert.deepEqual((await create(h, parent, { policies: ['a', 'default'], noDefaultPolicy: true })).entry.policies, ['a']);
    const noDefault = await tokenWith(h, ['a'], { noDefaultPolicy: true });
    assert.deepEqual((await create(h, noDefault, { policies: ['a'] })).entry.policies, ['a']);
  });

  it('sudo takes policies as-is plus default', async () => {
    const h = await harness();
    const parent = await tokenWith(h, ['a']);
    assert.deepEqual((await create(h, parent, { policies: ['z'], sudo: true })).entry.policies, ['default', 'z']);
    assert.deepEqual((await create(h, parent, { policies: ['z'], sudo: true, noDefaultPolicy: true })).entry.policies, ['z']);
  });

  it('root collapses the list', async () => {
    const h = await harness();
    const root = await h.root();
    const t = await create(h, root, { policies: ['a', 'ROOT'] });
    assert.deepEqual(t.entry.policies, ['root']);
    assert.deepEqual(t.authBlock.policies, ['root']);
  });

  it('roles with allowed policies and globs ignore the parent', async () => {
    const h = await harness();
    await h.store.writeRole('ci', { allowedPolicies: ['ci-read', 'ci-write'], allowedPoliciesGlob: ['team-*'] });
    const parent = await tokenWith(h, ['x']);
    const viaRole = (extra: Extra) => create(h, parent, { roleName: 'ci', requestPath: 'create/ci', ...extra });
    assert.deepEqual((await viaRole({})).entry.policies, ['ci-read', 'ci-write', 'default']);
    assert.deepEqual((await viaRole({ policies: ['team-a'] })).entry.policies, ['default', 'team-a']);
    assert.deepEqual((await viaRole({ policies: ['ci-read'], noDefaultPolicy: true })).entry.policies, ['ci-read']);
    await rejects(
      viaRole({ policies: ['admin'] }),
      `token policies (["admin" "default"]) must be subset of the role's allowed policies (["ci-read" "ci-write" "default"]) or glob policies (["team-*"])`,
    );
  });

  it('role without allowed lists uses the parent set plus default; disallowed exact and glob', async () => {
    const h = await harness();
    await h.store.writeRole('d', { disallowedPolicies: ['secret'], disallowedPoliciesGlob: ['prod-*'] });
    const parent = await tokenWith(h, ['a'], { noDefaultPolicy: true });
    const viaRole = (extra: Extra) => create(h, parent, { roleName: 'd', requestPath: 'create/d', ...extra });
    assert.deepEqual((await viaRole({})).entry.policies, ['a', 'default']);
    await rejects(viaRole({ policies: ['secret'] }), 'token policy "secret" is disallowed by this role');
    await rejects(viaRole({ policies: ['prod-db'] }), 'token policy "prod-db" is disallowed by this role');
    // Roles may escalate beyond the parent.
    assert.deepEqual((await viaRole({ policies: ['other'] })).entry.policies, ['default', 'other']);
  });

  it('disallowing default (exact or glob) or token_no_default_policy stops the automatic default', async () => {
    const h = await harness();
    const parent = await tokenWith(h, ['a']);
    await h.store.writeRole('nd', { allowedPolicies: ['a'], disallowedPoliciesGlob: ['def*'] });
    assert.deepEqual((await create(h, parent, { roleName: 'nd', requestPath: 'create/nd' })).entry.policies, ['a']);
    await h.store.writeRole('nd2', { allowedPolicies: ['a'], tokenNoDefaultPolicy: true });
    assert.deepEqual((await create(h, parent, { roleName: 'nd2', requestPath: 'create/nd2' })).entry.policies, ['a']);
  });

  it('warns about policies that do not exist', async () => {
    const h = await harness();
    h.policies.missing.add('ghost');
    const root = await h.root();
    const t = await create(h, root, { policies: ['known', 'ghost'] });
    assert.deepEqual(t.warnings, ['Policy "ghost" does not exist']);
  });
});

describe('token create: TTL arithmetic', () => {
  it('defaults to the mount default TTL; the ttl parameter wins; capped by the mount max with a warning', async () => {
    const h = await harness();
    h.mount.defaultTTL = 3600;
    h.mount.maxTTL = 7200;
    const root = await h.root();
    assert.equal((await create(h, root, { policies: ['a'] })).authBlock.lease_duration, 3600);
    assert.equal((await create(h, root, { ttl: 60 })).authBlock.lease_duration, 60);
    const capped = await create(h, root, { ttl: 10_800, policies: ['a'] });
    assert.equal(capped.authBlock.lease_duration, 7200);
    assert.deepEqual(capped.warnings, ['TTL of "3h" exceeded the effective max_ttl of "2h"; TTL value is capped accordingly']);
  });

  it('explicit max caps the TTL; periodic tokens get the period', async () => {
    const h = await harness();
    const root = await h.root();
    const t = await create(h, root, { ttl: 600, explicitMaxTTL: 300 });
    assert.equal(t.authBlock.lease_duration, 300);
    assert.equal(t.entry.explicitMaxTTL, 300);
    const p = await create(h, root, { period: 120, ttl: 9999, sudo: true });
    assert.equal(p.authBlock.lease_duration, 120);
    assert.equal(p.entry.period, 120);
  });

  it('root without ttl never expires and is not renewable; with explicit max the TTL is that value', async () => {
    const h = await harness();
    const root = await h.root();
    const t = await create(h, root, { policies: ['root'] });
    assert.equal(t.authBlock.lease_duration, 0);
    assert.equal(t.authBlock.renewable, false);
    assert.equal(t.entry.expireTime, 0);
    const capped = await create(h, root, { policies: ['root'], explicitMaxTTL: 90 });
    assert.equal(capped.authBlock.lease_duration, 90);
  });

  it('role explicit max and period: lesser value with warnings; role period needs no sudo', async () => {
    const h = await harness();
    await h.store.writeRole('r', { tokenExplicitMaxTTL: 500, tokenPeriod: 300 });
    const parent = await tokenWith(h, ['a']);
    const t = await create(h, parent, { roleName: 'r', requestPath: 'create/r' });
    assert.equal(t.authBlock.lease_duration, 300);
    assert.equal(t.entry.period, 0, 'a period from the role is applied but not stored');
    const both = await create(h, parent, { roleName: 'r', requestPath: 'create/r', sudo: true, period: 200, explicitMaxTTL: 900 });
    assert.deepEqual(both.warnings, [
      'Explicit max TTL specified both during creation call and in role; using the lesser value of 500 seconds',
      'Period specified both during creation call and in role; using the lesser value of 200 seconds',
    ]);
    assert.equal(both.authBlock.lease_duration, 200);
  });

  it('a child TTL is not capped by the parent', async () => {
    const h = await harness();
    const parent = await tokenWith(h, ['a'], { ttl: 60 });
    assert.equal((await create(h, parent, { ttl: 3600 })).authBlock.lease_duration, 3600);
  });
});

describe('token create: relationships and roles', () => {
  it('non-orphan children inherit entity and bound CIDRs; roles override CIDRs; role path suffix and num uses', async () => {
    const h = await harness();
    await h.store.writeRole('bound', { tokenBoundCIDRs: ['10.0.0.0/8'], allowedEntityAliases: ['ci-*'] });
    const root = await h.root();
    const withEntity = await create(h, root, { roleName: 'bound', requestPath: 'create/bound', entityAlias: 'CI-Runner', policies: ['a'] });
    assert.ok(withEntity.entry.entityId);
    assert.deepEqual(withEntity.entry.boundCIDRs, ['10.0.0.0/8']);
    const child = await create(h, withEntity.token);
    assert.equal(child.entry.entityId, withEntity.entry.entityId);
    assert.deepEqual(child.entry.boundCIDRs, ['10.0.0.0/8']);
    const orphan = await create(h, withEntity.token, { orphan: true, requestPath: 'create-orphan' });
    assert.equal(orphan.entry.entityId, '');
    assert.equal(orphan.authBlock.orphan, true);
    assert.equal(orphan.entry.path, 'auth/token/create-orphan');

    await h.store.writeRole('suffixed', { pathSuffix: 'rev-2', tokenNumUses: 5, orphan: true });
    const s = await create(h, root, { roleName: 'suffixed', requestPath: 'create/suffixed', numUses: 9 });
    assert.equal(s.entry.path, 'auth/token/create/suffixed/rev-2');
    assert.equal(s.entry.numUses, 5);
    assert.equal(s.entry.role, 'suffixed');
    assert.equal(s.authBlock.orphan, true);
  });

  it('display names and metadata', async () => {
    const h = await harness();
    const root = await h.root();
    assert.equal((await create(h, root)).entry.displayName, 'token');
    assert.equal((await create(h, root, { displayName: 'ci job#1!' })).entry.displayName, 'token-ci-job-1');
    const m = await create(h, root, { meta: { repo: 'acme/api' } });
    assert.deepEqual(m.authBlock.metadata, { repo: 'acme/api' });
  });

  it('role renewable=false and token type rules', async () => {
    const h = await harness();
    const root = await h.root();
    const p = { policies: ['a'] };
    await h.store.writeRole('nr', { renewable: false });
    assert.equal((await create(h, root, { roleName: 'nr', requestPath: 'create/nr', ...p })).authBlock.renewable, false);
    await h.store.writeRole('db', { tokenType: 'default-batch' });
    assert.equal((await create(h, root, { roleName: 'db', requestPath: 'create/db', ...p })).entry.type, 'batch');
    assert.equal((await create(h, root, { roleName: 'db', requestPath: 'create/db', type: 'service', ...p })).entry.type, 'service');
    await h.store.writeRole('svc', { tokenType: 'service' });
    assert.equal((await create(h, root, { roleName: 'svc', requestPath: 'create/svc', type: 'batch', ...p })).entry.type, 'service');
  });

  it('create registers the token with expiration and returns the auth block', async () => {
    const h = await harness();
    const root = await h.root();
    const t = await create(h, root, { policies: ['a'], numUses: 2 });
    assert.ok(h.expiration.registered.has(t.entry.hash));
    assert.deepEqual(Object.keys(t.authBlock), [
      'client_token',
      'accessor',
      'policies',
      'token_policies',
      'metadata',
      'lease_duration',
      'renewable',
      'entity_id',
      'token_type',
      'orphan',
      'mfa_requirement',
      'num_uses',
    ]);
    assert.match(t.token, /^hvs\.[A-Za-z0-9_-]{24,}$/);
    assert.match(t.authBlock.accessor as string, /^[A-Za-z0-9]{24}$/);
    assert.equal(t.authBlock.num_uses, 2);
    assert.equal(t.authBlock.orphan, false);
    assert.equal(t.authBlock.mfa_requirement, null);
  });
});
