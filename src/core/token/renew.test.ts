import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isKeepError } from '../../errors.ts';
import type { AuthSpec } from '../../framework/types.ts';
import { harness, type Harness } from './test-helpers.ts';
import type { CreateTokenInput } from './types.ts';

async function rejects(p: Promise<unknown>, message: string, status = 400): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(isKeepError(e), `expected KeepError, got ${String(e)}`);
    assert.equal(e.message, message);
    assert.equal(e.status, status);
    return true;
  });
}

async function child(h: Harness, extra: Omit<Partial<CreateTokenInput>, 'parentToken'> = {}) {
  const root = await h.root();
  return h.store.create({ parentToken: root, sudo: true, requestPath: 'create', orphan: false, policies: ['a'], ...extra });
}

async function renew(h: Harness, token: string, increment = 0) {
  const entry = await h.store.lookup(token);
  assert.ok(entry, 'token should be valid');
  return h.store.renew(entry, increment, token);
}

describe('renew', () => {
  it('sets expiry to now + increment (an increment can shorten the life)', async () => {
    const h = await harness();
    const t = await child(h, { ttl: 3600 });
    h.advance(100);
    const r = await renew(h, t.token, 60);
    assert.equal(r.authBlock.lease_duration, 60);
    assert.equal(r.entry.expireTime, h.clock.now + 60_000);
    assert.equal(r.entry.lastRenewalTime, h.clock.now);
    assert.equal(r.authBlock.client_token, t.token);
    assert.ok(h.expiration.registered.get(t.entry.hash)?.expireTime === r.entry.expireTime);
    const data = await h.store.describe(r.entry, t.token);
    assert.equal(data.creation_ttl, 3600, 'creation_ttl is unchanged');
    assert.equal(data.ttl, 60);
    assert.equal(data.last_renewal_time, Math.floor(h.clock.now / 1000));
    assert.equal(typeof data.last_renewal, 'string');
  });

  it('without increment reuses the current lease TTL', async () => {
    const h = await harness();
    const t = await child(h, { ttl: 600 });
    h.advance(500);
    assert.equal((await renew(h, t.token)).authBlock.lease_duration, 600);
    h.advance(10);
    assert.equal((await renew(h, t.token, 30)).authBlock.lease_duration, 30);
    assert.equal((await renew(h, t.token)).authBlock.lease_duration, 30);
  });

  it('is capped by the max TTL measured from issue time, then refuses', async () => {
    const h = await harness();
    h.mount.maxTTL = 1000;
    const t = await child(h, { ttl: 500 });
    h.advance(400);
    const r = await renew(h, t.token, 900);
    assert.equal(r.authBlock.lease_duration, 600);
    assert.deepEqual(r.warnings, ['TTL of "15m" exceeded the effective max_ttl of "10m"; TTL value is capped accordingly']);
    const e = await child(h, { ttl: 50, explicitMaxTTL: 50 });
    h.advance(49);
    assert.equal((await renew(h, e.token, 100)).authBlock.lease_duration, 1);
  });

  it('periodic tokens ignore the increment and have no lifetime cap', async () => {
    const h = await harness();
    h.mount.maxTTL = 1000;
    const t = await child(h, { period: 300 });
    for (let i = 0; i < 10; i++) {
      h.advance(250);
      const r = await renew(h, t.token, 5);
      assert.equal(r.authBlock.lease_duration, 300);
    }
  });

  it('refuses non-renewable, root without TTL, batch, and deleted roles', async () => {
    const h = await harness();
    const nr = await child(h, { renewable: false });
    await rejects(renew(h, nr.token), 'lease is not renewable');
    const rootLike = await child(h, { policies: ['root'] });
    await rejects(renew(h, rootLike.token), 'lease is not renewable');
    const initRoot = await h.root();
    await rejects(renew(h, initRoot), 'lease is not renewable');
    const batch = await child(h, { type: 'batch' });
    await rejects(renew(h, batch.token), 'batch tokens cannot be renewed');

    await h.store.writeRole('r', { tokenPeriod: 120 });
    const viaRole = await child(h, { roleName: 'r', requestPath: 'create/r' });
    assert.equal((await renew(h, viaRole.token)).authBlock.lease_duration, 120);
    await h.store.writeRole('r', { tokenPeriod: 60 });
    assert.equal((await renew(h, viaRole.token)).authBlock.lease_duration, 60, 'role tokens re-read the role');
    await h.store.deleteRole('r');
    await rejects(renew(h, viaRole.token), 'failed to renew entry: original token role "r" could not be found, not renewing', 500);
  });

  it('refuses an expired lease', async () => {
    const h = await harness();
    const t = await child(h, { ttl: 10 });
    const entry = await h.store.lookup(t.token);
    assert.ok(entry);
    h.advance(11);
    assert.equal(await h.store.lookup(t.token), undefined, 'expired tokens are invalid before the worker revokes them');
    await rejects(h.store.renew(entry, 0, t.token), 'lease expired');
  });

  it('plugin-issued tokens run the renew hook (role values, issuing mount TTLs)', async () => {
    const h = await harness();
    const auth: AuthSpec = {
      displayName: 'x',
      policies: ['ci'],
      metadata: { role: 'gha' },
      ttl: 300,
      maxTTL: 0,
      explicitMaxTTL: 0,
      period: 0,
      numUses: 0,
      noDefaultPolicy: false,
      boundCIDRs: [],
      tokenType: 'default',
      internalData: { role: 'gha' },
      renewable: true,
    };
    const issued = await h.store.issueForLogin({
      auth,
      path: 'auth/jwt/login',
      mountAccessor: 'auth_jwt_1',
      mountPath: 'auth/jwt/',
      mountType: 'jwt',
      mountDefaultTTL: 600,
      mountMaxTTL: 3600,
      mountTokenType: 'default-service',
      entityId: '',
      identityPolicies: [],
    });
    h.renewHook.result = { ttl: 120, maxTTL: 0, period: 0, mountDefaultTTL: 600, mountMaxTTL: 3600 };
    assert.equal((await renew(h, issued.token)).authBlock.lease_duration, 120);
    h.renewHook.result = { ttl: 0, mountDefaultTTL: 600, mountMaxTTL: 3600 };
    assert.equal((await renew(h, issued.token)).authBlock.lease_duration, 600);
    h.renewHook.result = new Error('role gha does not exist during renewal');
    await rejects(renew(h, issued.token), 'failed to renew entry: role gha does not exist during renewal', 500);
  });
});
