import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { harness, type Harness } from './test-helpers.ts';
import type { CreateTokenInput } from './types.ts';

async function make(h: Harness, parent: string, extra: Omit<Partial<CreateTokenInput>, 'parentToken'> = {}) {
  return h.store.create({ parentToken: parent, sudo: true, requestPath: 'create', orphan: false, policies: ['a'], ...extra });
}

describe('revocation', () => {
  it('revokes the whole subtree depth-first with leases, cubbyholes and indexes', async () => {
    const h = await harness();
    const root = await h.root();
    const a = await make(h, root);
    const b = await make(h, a.token);
    const c = await make(h, b.token);
    const orphanChild = await make(h, a.token, { orphan: true, requestPath: 'create-orphan' });
    const sibling = await make(h, root);

    await h.store.revokeTree(a.entry.hash);
    for (const t of [a, b, c]) {
      assert.equal(await h.store.lookup(t.token), undefined);
      assert.equal(await h.store.check(t.token, '127.0.0.1'), undefined);
      assert.equal(await h.store.lookupByAccessor(t.entry.accessor), undefined);
    }
    assert.ok(await h.store.lookup(orphanChild.token), 'orphans survive');
    assert.ok(await h.store.lookup(sibling.token));
    // Children before parents.
    assert.deepEqual(
      h.revoked.map((e) => e.hash),
      [c.entry.hash, b.entry.hash, a.entry.hash],
    );
    for (const t of [a, b, c]) {
      assert.ok(h.expiration.revokedLeasesOf.includes(t.entry.hash));
      assert.ok(h.expiration.unregistered.includes(t.entry.hash));
    }
    const keys = [...h.view.data.keys()].join('\n');
    for (const t of [a, b, c]) assert.ok(!keys.includes(t.entry.hash), 'no index left behind');
  });

  it('revoke-orphan revokes one token and re-parents its children', async () => {
    const h = await harness();
    const root = await h.root();
    const a = await make(h, root);
    const b = await make(h, a.token);
    const c = await make(h, b.token);
    await h.store.revokeOrphan(a.entry.hash);
    assert.equal(await h.store.lookup(a.token), undefined);
    const bNow = await h.store.lookup(b.token);
    assert.equal(bNow?.parentHash, '');
    assert.equal((await h.store.describe(bNow, b.token)).orphan, true);
    assert.ok(await h.store.lookup(c.token));
    // b is now a root of its own tree.
    await h.store.revokeTree(b.entry.hash);
    assert.equal(await h.store.lookup(c.token), undefined);
  });

  it('revokeByMount revokes every token of an auth mount', async () => {
    const h = await harness();
    const login = () =>
      h.store.issueForLogin({
        auth: {
          displayName: 'x',
          policies: [],
          metadata: {},
          ttl: 0,
          maxTTL: 0,
          explicitMaxTTL: 0,
          period: 0,
          numUses: 0,
          noDefaultPolicy: false,
          boundCIDRs: [],
          tokenType: 'default',
          internalData: {},
          renewable: true,
        },
        path: 'auth/approle/login',
        mountAccessor: 'auth_approle_1',
        mountPath: 'auth/approle/',
        mountType: 'approle',
        mountDefaultTTL: 600,
        mountMaxTTL: 600,
        mountTokenType: 'default-service',
        entityId: '',
        identityPolicies: [],
      });
    const one = await login();
    const two = await login();
    const grandchild = await make(h, one.token);
    const other = await make(h, await h.root());
    await h.store.revokeByMount('auth_approle_1');
    for (const t of [one, two, grandchild]) assert.equal(await h.store.lookup(t.token), undefined);
    assert.ok(await h.store.lookup(other.token));
  });

  it('tidy removes dangling indexes and orphans children of vanished parents', async () => {
    const h = await harness();
    const root = await h.root();
    const a = await make(h, root);
    const b = await make(h, a.token);
    // Simulate a crash that left the parent's entry gone but its indexes in place.
    h.view.data.delete(`sys/token/id/${a.entry.hash}`);
    h.store.invalidate(`id/${a.entry.hash}`);
    const { started, done } = h.store.tidy();
    assert.equal(started, true);
    assert.equal(h.store.tidy().started, false, 'a second tidy reports the one in progress');
    await done;
    assert.equal((await h.store.lookup(b.token))?.parentHash, '');
    const keys = [...h.view.data.keys()].join('\n');
    assert.ok(!keys.includes(a.entry.hash));
    assert.ok(h.expiration.revokedLeasesOf.includes(a.entry.hash));
    assert.equal(h.store.tidy().started, true);
  });
});

describe('num_uses', () => {
  it('is consumed per check; the final use returns -1 and finalUse, then the token is invalid', async () => {
    const h = await harness();
    const root = await h.root();
    const t = await make(h, root, { numUses: 2 });
    const first = await h.store.check(t.token, '1.2.3.4');
    assert.equal(first?.entry.numUses, 1);
    assert.equal(first?.finalUse, false);
    const second = await h.store.check(t.token, '1.2.3.4');
    assert.equal(second?.entry.numUses, -1);
    assert.equal(second?.finalUse, true);
    assert.equal(await h.store.lookup(t.token), undefined, 'invisible to everyone else');
    assert.equal((await h.store.lookupSelf(t.token))?.numUses, -1, 'lookup-self still sees it');
    assert.equal(await h.store.check(t.token, '1.2.3.4'), undefined);
    await h.store.revokeTree(t.entry.hash);
    assert.equal(await h.store.lookupSelf(t.token), undefined);
  });

  it('unlimited tokens are not rewritten on use', async () => {
    const h = await harness();
    const root = await h.root();
    const t = await make(h, root);
    const before = h.view.data.get(`sys/token/id/${t.entry.hash}`);
    await h.store.check(t.token, '1.2.3.4');
    assert.equal(h.view.data.get(`sys/token/id/${t.entry.hash}`), before);
  });

  it('concurrent uses never over-consume', async () => {
    const h = await harness();
    const root = await h.root();
    const t = await make(h, root, { numUses: 3 });
    const results = await Promise.all([1, 2, 3, 4, 5].map(() => h.store.check(t.token, '1.2.3.4')));
    assert.equal(results.filter((r) => r !== undefined).length, 3);
    assert.equal(results.filter((r) => r?.finalUse).length, 1);
  });
});

describe('batch tokens', () => {
  it('are prefixed hvb., not persisted, not renewable, and die with their parent', async () => {
    const h = await harness();
    const root = await h.root();
    const parent = await make(h, root);
    const before = h.view.data.size;
    const b = await make(h, parent.token, { type: 'batch', ttl: 600 });
    assert.match(b.token, /^hvb\.[A-Za-z0-9_-]{100,}$/);
    assert.equal(h.view.data.size, before, 'nothing stored');
    assert.equal(b.entry.accessor, '');
    assert.equal(b.authBlock.accessor, '');
    assert.equal(b.authBlock.renewable, false);
    assert.equal(b.authBlock.token_type, 'batch');
    const checked = await h.store.check(b.token, '127.0.0.1');
    assert.equal(checked?.entry.type, 'batch');
    assert.deepEqual(checked?.entry.policies, ['a', 'default']);
    assert.equal(checked?.entry.hash, h.store.hashToken(b.token));
    await h.store.revokeTree(parent.entry.hash);
    assert.equal(await h.store.check(b.token, '127.0.0.1'), undefined);
  });

  it('expire at creation + ttl and reject tampering', async () => {
    const h = await harness();
    const root = await h.root();
    const b = await make(h, root, { type: 'batch', ttl: 60, orphan: true, requestPath: 'create-orphan' });
    assert.ok(await h.store.check(b.token, '127.0.0.1'));
    const body = b.token.slice(4);
    const flipped = `hvb.${body.slice(0, 20)}${body[20] === 'A' ? 'B' : 'A'}${body.slice(21)}`;
    assert.equal(await h.store.check(flipped, '127.0.0.1'), undefined);
    assert.equal(await h.store.check('hvb.short', '127.0.0.1'), undefined);
    h.advance(61);
    assert.equal(await h.store.check(b.token, '127.0.0.1'), undefined);
  });

  it('stop working when their auth mount is gone (mountActive hook)', async () => {
    const active = new Set(['auth_token_0a1b2c3d']);
    const h = await harness({ mountActive: (accessor) => active.has(accessor) });
    const b = await make(h, await h.root(), { type: 'batch', orphan: true, requestPath: 'create-orphan' });
    assert.ok(await h.store.check(b.token, '127.0.0.1'));
    active.clear();
    assert.equal(await h.store.check(b.token, '127.0.0.1'), undefined);
  });

  it('are not valid under another store key', async () => {
    const h1 = await harness();
    const h2 = await harness();
    const b = await make(h1, await h1.root(), { type: 'batch' });
    assert.equal(await h2.store.check(b.token, '127.0.0.1'), undefined);
  });
});

describe('bound CIDRs', () => {
  it('reject uses from outside the ranges; non-expiring roots are exempt', async () => {
    const h = await harness();
    await h.store.writeRole('net', { tokenBoundCIDRs: ['10.1.0.0/16', '2001:db8::/32'] });
    const root = await h.root();
    const t = await make(h, root, { roleName: 'net', requestPath: 'create/net' });
    assert.ok(await h.store.check(t.token, '10.1.2.3'));
    assert.ok(await h.store.check(t.token, '::ffff:10.1.200.1'));
    assert.ok(await h.store.check(t.token, '2001:db8::1'));
    assert.equal(await h.store.check(t.token, '10.2.0.1'), undefined);
    assert.equal(await h.store.check(t.token, '2001:db9::1'), undefined);
    assert.equal(await h.store.check(t.token, ''), undefined);
    assert.ok(await h.store.lookup(t.token), 'lookup does not enforce the peer');
    const desc = await h.store.describe(t.entry, t.token);
    assert.deepEqual(desc.bound_cidrs, ['10.1.0.0/16', '2001:db8::/32']);
  });
});
