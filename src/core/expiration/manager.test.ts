import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KeepError } from '../../errors.ts';
import { fixture, keys, register, T0, tokenEntry } from './fixture.test-support.ts';
import type { StoredLease } from './records.ts';

async function rejects(p: Promise<unknown>, status: number, message: string | RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof KeepError, `expected KeepError, got ${String(e)}`);
    assert.equal(e.status, status);
    if (typeof message === 'string') assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  });
}

describe('ExpirationManager: register and lookup', () => {
  it('issues `<path>/<24 alphanumerics>` ids, persists record and index entries, and looks them up', async () => {
    const f = fixture();
    const { leaseId, ttl, warnings } = await register(f.mgr, { secret: { ttl: 900 } });
    assert.match(leaseId, /^db\/creds\/ro\/[A-Za-z0-9]{24}$/);
    assert.equal(ttl, 900);
    assert.deepEqual(warnings, []);
    const all = await keys(f.view);
    assert.ok(all.includes(`id/${leaseId}`));
    assert.ok(all.some((k) => k.startsWith(`at/${String(T0 + 900_000).padStart(15, '0')}/`)));
    assert.ok(all.some((k) => k.startsWith('token/tok1/')));

    const rec = await f.view.getJSON<StoredLease>(`id/${leaseId}`);
    assert.equal(rec?.internalData?.username, 'v-ci-1');
    assert.equal(rec?.data?.password, 'hunter2');
    assert.equal(rec?.secretType, 'creds');

    f.clock.now += 58_400;
    const l = await f.mgr.lookup(leaseId);
    assert.ok(l);
    assert.equal(l.id, leaseId);
    assert.match(l.issue_time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/);
    assert.equal(typeof l.expire_time, 'string');
    assert.equal(l.last_renewal, null);
    assert.equal(l.renewable, true);
    assert.equal(l.ttl, 842);
    assert.equal(l.revoke_error, undefined);
  });

  it('caps the TTL at the engine max and warns', async () => {
    const f = fixture();
    const r = await register(f.mgr, { secret: { ttl: 7200, maxTTL: 3600 } });
    assert.equal(r.ttl, 3600);
    assert.deepEqual(r.warnings, ['TTL of "2h" exceeded the effective max_ttl of "1h"; TTL value is capped accordingly']);
  });

  it('uses the mount default when the engine gives no TTL', async () => {
    const f = fixture();
    const r = await register(f.mgr, { secret: { ttl: 0 } });
    assert.equal(r.ttl, 2_764_800);
  });

  it('strips a trailing slash of the path from the lease id', async () => {
    const f = fixture();
    const r = await register(f.mgr, { path: 'db/creds/ro/' });
    assert.match(r.leaseId, /^db\/creds\/ro\/[A-Za-z0-9]{24}$/);
  });

  it('revokes the fresh credential and fails with 500 when the lease cannot be persisted', async () => {
    const f = fixture();
    f.view.failTransactions = 1;
    await rejects(register(f.mgr), 500, 'internal error');
    assert.equal(f.engine.revoked.length, 1);
    assert.deepEqual(await keys(f.view), []);
  });

  it('looks up an unknown lease as undefined', async () => {
    const f = fixture();
    assert.equal(await f.mgr.lookup('db/creds/ro/nope'), undefined);
    assert.equal(await f.mgr.lookup(''), undefined);
  });

  it('lists lease-id children with folders ending in /', async () => {
    const f = fixture();
    const a = await register(f.mgr);
    await register(f.mgr, { path: 'db/creds/rw' });
    assert.deepEqual(await f.mgr.listPrefix(''), ['db/']);
    assert.deepEqual(await f.mgr.listPrefix('db/creds'), ['ro/', 'rw/']);
    assert.deepEqual(await f.mgr.listPrefix('db/creds/ro/'), [a.leaseId.split('/').pop()]);
  });
});

describe('ExpirationManager: renew', () => {
  it('renews from now with the increment, calls the engine and moves the index entry', async () => {
    const f = fixture();
    const { leaseId } = await register(f.mgr);
    f.clock.now += 600_000;
    const r = await f.mgr.renew(leaseId, 1800);
    assert.deepEqual(r, { leaseId, ttl: 1800, renewable: true, warnings: [] });
    assert.deepEqual(f.engine.renewed, [leaseId]);
    const due = await keys(f.view, 'at/');
    assert.deepEqual(due, [`at/${String(T0 + 600_000 + 1_800_000).padStart(15, '0')}/${leaseId.replace(/\//g, '%2F')}`]);
    const l = await f.mgr.lookup(leaseId);
    assert.equal(l?.ttl, 1800);
    assert.notEqual(l?.last_renewal, null);
  });

  it('uses the engine TTL for increment 0 and the TTL the engine returns', async () => {
    const f = fixture();
    const { leaseId } = await register(f.mgr, { secret: { ttl: 300 } });
    assert.equal((await f.mgr.renew(leaseId, 0)).ttl, 300);
    f.engine.renewResult = { ttl: 120 };
    assert.equal((await f.mgr.renew(leaseId, 0)).ttl, 120);
  });

  it('caps at the max TTL measured from the issue time, with a warning', async () => {
    const f = fixture();
    const { leaseId } = await register(f.mgr, { secret: { ttl: 600, maxTTL: 1200 } });
    f.clock.now += 300_000;
    const r = await f.mgr.renew(leaseId, 3600);
    assert.equal(r.ttl, 900);
    assert.deepEqual(r.warnings, ['TTL of "1h" exceeded the effective max_ttl of "15m"; TTL value is capped accordingly']);
  });

  it('rejects an unknown lease', async () => {
    const f = fixture();
    await rejects(f.mgr.renew('db/creds/ro/unknown', 0), 400, 'lease not found');
  });

  it('rejects a non-renewable lease', async () => {
    const f = fixture();
    const { leaseId } = await register(f.mgr, { secret: { renewable: false } });
    await rejects(f.mgr.renew(leaseId, 0), 400, 'lease is not renewable');
  });

  it('rejects an expired lease', async () => {
    const f = fixture();
    const { leaseId } = await register(f.mgr, { secret: { ttl: 60 } });
    f.clock.now += 61_000;
    await rejects(f.mgr.renew(leaseId, 0), 400, 'lease expired');
  });

  it('rejects a renew once the max TTL is reached', async () => {
    const f = fixture();
    const { leaseId } = await register(f.mgr, { secret: { ttl: 3600, maxTTL: 3600 } });
    f.clock.now += 3_600_000;
    await rejects(f.mgr.renew(leaseId, 0), 400, 'past the max TTL, cannot renew');
  });

  it('reports an engine renew failure', async () => {
    const f = fixture();
    const { leaseId } = await register(f.mgr);
    f.engine.renewError = new Error('role "ro" not found');
    await rejects(f.mgr.renew(leaseId, 0), 400, 'failed to renew entry: role "ro" not found');
    f.engine.renewError = undefined;
    f.mounts.clear();
    await rejects(f.mgr.renew(leaseId, 0), 400, /^failed to renew entry: no handler for route "db\/creds\/ro"/);
  });
});

describe('ExpirationManager: revoke', () => {
  it('revokes synchronously: engine first, then record and every index entry', async () => {
    const f = fixture();
    const { leaseId } = await register(f.mgr);
    await f.mgr.revoke(leaseId, true);
    assert.deepEqual(f.engine.revoked, [leaseId]);
    assert.deepEqual(await keys(f.view), []);
  });

  it('keeps the lease and answers 400 when the engine revoke fails', async () => {
    const f = fixture();
    const { leaseId } = await register(f.mgr);
    f.engine.revokeError = new Error('connection refused');
    await rejects(f.mgr.revoke(leaseId, true), 400, 'failed to revoke entry: connection refused');
    assert.ok(await f.mgr.lookup(leaseId));
  });

  it('is idempotent for unknown leases', async () => {
    const f = fixture();
    await f.mgr.revoke('db/creds/ro/unknown', true);
    await f.mgr.revoke('db/creds/ro/unknown', false);
    assert.equal(f.engine.revokeCalls, 0);
  });

  it('queues an async revoke: expiring now, revoked by the worker', async () => {
    const f = fixture();
    const { leaseId } = await register(f.mgr);
    await f.mgr.revoke(leaseId, false);
    assert.equal(f.engine.revokeCalls, 0);
    const l = await f.mgr.lookup(leaseId);
    assert.equal(l?.ttl, 0);
    assert.equal(l?.renewable, false);
    assert.equal(await f.mgr.runOnce(), 1);
    assert.deepEqual(f.engine.revoked, [leaseId]);
    assert.equal(await f.mgr.lookup(leaseId), undefined);
  });

  it('revokes by prefix, treating a non-lease prefix as a folder', async () => {
    const f = fixture();
    const a = await register(f.mgr);
    const b = await register(f.mgr);
    const c = await register(f.mgr, { path: 'db/creds/ro2' });
    await f.mgr.revokePrefix('db/creds/ro', { sync: true, force: false });
    assert.deepEqual(new Set(f.engine.revoked), new Set([a.leaseId, b.leaseId]));
    assert.ok(await f.mgr.lookup(c.leaseId));
  });

  it('revokes just the lease when the prefix is a lease id', async () => {
    const f = fixture();
    const a = await register(f.mgr);
    const b = await register(f.mgr);
    await f.mgr.revokePrefix(a.leaseId, { sync: true, force: false });
    assert.deepEqual(f.engine.revoked, [a.leaseId]);
    assert.ok(await f.mgr.lookup(b.leaseId));
  });

  it('aborts a sync prefix revoke at the first engine failure', async () => {
    const f = fixture();
    await register(f.mgr);
    f.engine.revokeError = new Error('db down');
    await rejects(f.mgr.revokePrefix('db/', { sync: true, force: false }), 400, 'failed to revoke entry: db down');
    assert.equal((await keys(f.view, 'id/')).length, 1);
  });

  it('queues every lease of an async prefix revoke', async () => {
    const f = fixture();
    await register(f.mgr);
    await register(f.mgr);
    await f.mgr.revokePrefix('db/creds/', { sync: false, force: false });
    assert.equal(f.engine.revokeCalls, 0);
    assert.equal(await f.mgr.runOnce(), 2);
  });

  it('force-revokes: engine errors ignored, records deleted', async () => {
    const f = fixture();
    await register(f.mgr);
    await register(f.mgr, { path: 'db/creds/rw' });
    f.engine.revokeError = new Error('db down');
    await f.mgr.revokePrefix('db/creds', { sync: true, force: true });
    assert.deepEqual(await keys(f.view), []);
  });
});

describe('ExpirationManager: tokens', () => {
  it('marks the leases of a token expiring now; the worker revokes them', async () => {
    const f = fixture();
    const a = await register(f.mgr, { tokenHash: 'tokA' });
    const b = await register(f.mgr, { tokenHash: 'tokA' });
    const c = await register(f.mgr, { tokenHash: 'tokB' });
    await f.mgr.revokeByToken('tokA');
    assert.equal(await f.mgr.runOnce(), 2);
    assert.deepEqual(new Set(f.engine.revoked), new Set([a.leaseId, b.leaseId]));
    assert.ok(await f.mgr.lookup(c.leaseId));
    assert.deepEqual(await keys(f.view, 'token/tokA/'), []);
  });

  it('keeps a token in the time index, moves it on re-register and removes it', async () => {
    const f = fixture();
    await f.mgr.registerToken(tokenEntry('h1', T0 + 60_000));
    await f.mgr.registerToken(tokenEntry('h1', T0 + 120_000));
    assert.deepEqual(await keys(f.view, 'at/'), [`at/${String(T0 + 120_000).padStart(15, '0')}/auth-token%2Fh1`]);
    await f.mgr.unregisterToken(tokenEntry('h1', T0 + 120_000));
    assert.deepEqual(await keys(f.view), []);
    await f.mgr.registerToken(tokenEntry('h2', 0));
    await f.mgr.registerToken({ ...tokenEntry('h3', T0 + 1000), type: 'batch' });
    assert.deepEqual(await keys(f.view), []);
  });

  it('revokes an expired token through the token store, then its leases', async () => {
    const f = fixture();
    const lease = await register(f.mgr, { tokenHash: 'h1' });
    await f.mgr.registerToken(tokenEntry('h1', T0 + 30_000));
    f.clock.now += 31_000;
    let revoked = await f.mgr.runOnce();
    assert.deepEqual(f.tokensRevoked, ['h1']);
    revoked += await f.mgr.runOnce();
    assert.equal(revoked, 2);
    assert.deepEqual(f.engine.revoked, [lease.leaseId]);
    assert.deepEqual(await keys(f.view), []);
  });
});
