import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { invalidRequest, KeepError } from '../../errors.ts';
import { fixture, keys, register, T0, tokenEntry } from './fixture.test-support.ts';
import { backoffMs } from './worker.ts';
import type { StoredLease } from './records.ts';
import { TestView } from './test-view.ts';

describe('expiry worker', () => {
  it('revokes what is due by the fake clock and leaves the rest', async () => {
    const f = fixture();
    const short = await Promise.all([1, 2, 3].map(() => register(f.mgr, { secret: { ttl: 60 } })));
    const long = await register(f.mgr, { secret: { ttl: 3600 } });
    assert.equal(await f.mgr.runOnce(), 0);
    f.clock.now += 60_000;
    assert.equal(await f.mgr.runOnce(), 3);
    assert.deepEqual(new Set(f.engine.revoked), new Set(short.map((s) => s.leaseId)));
    for (const s of short) assert.equal(await f.mgr.lookup(s.leaseId), undefined);
    assert.ok(await f.mgr.lookup(long.leaseId));
    assert.equal((await keys(f.view, 'at/')).length, 1);
  });

  it('processes due work across several batches', async () => {
    const f = fixture({ batchSize: 7 });
    for (let i = 0; i < 50; i++) await register(f.mgr, { secret: { ttl: 10 + i } });
    f.clock.now += 40_000;
    assert.equal(await f.mgr.runOnce(), 31);
    assert.equal((await keys(f.view, 'id/')).length, 19);
  });

  it('retries with backoff 2^n x 10 s (jitter +-50 %), then marks the lease irrevocable', async () => {
    const f = fixture();
    const { leaseId } = await register(f.mgr, { secret: { ttl: 60 } });
    f.engine.revokeError = new Error('connection refused');
    f.clock.now += 60_000;
    const delays: number[] = [];
    for (let attempt = 1; attempt <= 6; attempt++) {
      assert.equal(await f.mgr.runOnce(), 0);
      const rec = await f.view.getJSON<StoredLease>(`id/${leaseId}`);
      assert.ok(rec);
      assert.equal(rec.revokeAttempts, attempt);
      if (attempt < 6) {
        assert.equal(rec.revokeError, undefined);
        delays.push(rec.dueTime - f.clock.now);
        // Not retried before its time.
        f.clock.now = rec.dueTime - 1;
        assert.equal(await f.mgr.runOnce(), 0);
        assert.equal(f.engine.revokeCalls, attempt);
        f.clock.now = rec.dueTime;
      }
    }
    assert.deepEqual(delays, [20_000, 40_000, 80_000, 160_000, 320_000]);

    const l = await f.mgr.lookup(leaseId);
    assert.equal(l?.revoke_error, 'out of retries: failed to revoke entry: connection refused');
    assert.equal(l?.renewable, false);
    assert.deepEqual(await keys(f.view, 'at/'), []);
    assert.deepEqual(await f.mgr.countIrrevocable(), { lease_count: 1, counts: { database_7a3c1f2e: 1 } });
    assert.deepEqual(await f.mgr.listIrrevocable(10_000), {
      leases: [{ lease_id: leaseId, mount_id: 'database_7a3c1f2e', error: 'out of retries: failed to revoke entry: connection refused' }],
      truncated: false,
    });
    await assert.rejects(f.mgr.renew(leaseId, 0), (e: unknown) => e instanceof KeepError && e.message === 'lease is expired and has failed previous revocation attempts');

    // The worker never touches it again; a successful revoke removes it.
    f.clock.now += 10 * 3_600_000;
    assert.equal(await f.mgr.runOnce(), 0);
    assert.equal(f.engine.revokeCalls, 6);
    f.engine.revokeError = undefined;
    await f.mgr.revoke(leaseId, true);
    assert.deepEqual(await keys(f.view), []);
    assert.equal((await f.mgr.countIrrevocable()).lease_count, 0);
  });

  it('jitters within +-50 %', () => {
    assert.equal(backoffMs(1, () => 0), 10_000);
    assert.equal(backoffMs(1, () => 0.5), 20_000);
    assert.ok(backoffMs(1, () => 0.999999) < 30_000);
    assert.equal(backoffMs(5, () => 0.5), 320_000);
  });

  it('marks a lease irrevocable at once when its mount is gone or the engine says invalid request', async () => {
    const f = fixture();
    const a = await register(f.mgr, { secret: { ttl: 10 } });
    f.clock.now += 10_000;
    f.mounts.clear();
    await f.mgr.runOnce();
    const la = await f.mgr.lookup(a.leaseId);
    assert.equal(la?.revoke_error, 'failed to revoke entry: no handler for route "db/creds/ro". route entry not found.');

    f.mounts.add('db/');
    const b = await register(f.mgr, { secret: { ttl: 10 } });
    f.clock.now += 10_000;
    f.engine.revokeError = invalidRequest('x'.repeat(500));
    await f.mgr.runOnce();
    const lb = await f.mgr.lookup(b.leaseId);
    assert.equal(lb?.revoke_error?.length, 240);
    assert.ok(lb?.revoke_error?.startsWith('failed to revoke entry: xxx'));
    const list = await f.mgr.listIrrevocable(1);
    assert.equal(list.leases.length, 1);
    assert.equal(list.truncated, true);
    assert.equal(list.leases[0].lease_id, a.leaseId, 'sorted by expiry');
  });

  it('counts a revocation that hangs past the time limit as a failure', async () => {
    const f = fixture({ revokeTimeoutMs: 20 });
    const { leaseId } = await register(f.mgr, { secret: { ttl: 10 } });
    f.engine.gate = new Promise<void>(() => {});
    f.clock.now += 10_000;
    // The time limit's timer is unref'd (it must not hold a server open): keep this test alive.
    const keepAlive = setInterval(() => {}, 1000);
    try {
      assert.equal(await f.mgr.runOnce(), 0);
    } finally {
      clearInterval(keepAlive);
    }
    const rec = await f.view.getJSON<StoredLease>(`id/${leaseId}`);
    assert.equal(rec?.revokeAttempts, 1);
  });

  it('retries a token whose revocation fails, and never gives up on it', async () => {
    const f = fixture({ revokeToken: async () => Promise.reject(new Error('storage busy')) });
    await f.mgr.registerToken(tokenEntry('h1', T0 + 1000));
    for (let i = 0; i < 8; i++) {
      f.clock.now += 10 * 3_600_000;
      assert.equal(await f.mgr.runOnce(), 0);
    }
    assert.equal((await keys(f.view, 'at/')).length, 1);
    assert.equal((await keys(f.view, 'tokexp/')).length, 1);
  });

  it('continues after a restart: a new manager on the same storage finds and revokes', async () => {
    const f = fixture();
    const a = await register(f.mgr, { secret: { ttl: 60 } });
    const b = await register(f.mgr, { secret: { ttl: 600 } });
    f.mgr.start();
    await f.mgr.stop();
    const again = f.make();
    assert.ok(await again.lookup(a.leaseId));
    assert.equal((await again.renew(b.leaseId, 300)).ttl, 300);
    f.clock.now += 60_000;
    assert.equal(await again.runOnce(), 1);
    assert.deepEqual(f.engine.revoked, [a.leaseId]);
  });

  it('stop() waits for the batch in flight, which commits', async () => {
    const f = fixture({ workerIntervalMs: 5 });
    const { leaseId } = await register(f.mgr, { secret: { ttl: 1 } });
    f.clock.now += 1000;
    let open!: () => void;
    f.engine.gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    f.mgr.start();
    while (f.engine.revokeCalls === 0) await new Promise((r) => setTimeout(r, 2));
    const stopped = f.mgr.stop();
    open();
    await stopped;
    assert.deepEqual(f.engine.revoked, [leaseId]);
    assert.equal(await f.mgr.lookup(leaseId), undefined);
  });

  it('revokes due leases in the background once started', async () => {
    const f = fixture({ workerIntervalMs: 5 });
    await register(f.mgr, { secret: { ttl: 1 } });
    f.mgr.start();
    f.clock.now += 1000;
    while (f.engine.revoked.length === 0) await new Promise((r) => setTimeout(r, 2));
    await f.mgr.stop();
    assert.deepEqual(await keys(f.view), []);
  });
});

describe('tidy', () => {
  it('force-revokes leases of missing tokens and removes dangling index entries', async () => {
    const live = new Set(['alive']);
    const f = fixture({ tokenExists: async (h: string) => live.has(h) });
    const kept = await register(f.mgr, { tokenHash: 'alive' });
    const orphan = await register(f.mgr, { tokenHash: 'gone' });
    f.engine.revokeError = new Error('ignored by tidy');
    await f.view.transaction([
      { op: 'put', key: 'at/000000000000001/db%2Fcreds%2Fro%2Fmissing', value: { json: { kind: 'lease', id: 'db/creds/ro/missing' } } },
      { op: 'put', key: 'token/alive/db%2Fcreds%2Fro%2Fmissing', value: { json: { id: 'db/creds/ro/missing' } } },
      { op: 'put', key: 'irrevocable/db%2Fcreds%2Fro%2Fmissing', value: { json: { id: 'db/creds/ro/missing' } } },
      { op: 'put', key: 'at/junk', value: { json: {} } },
    ]);
    // An index entry lost by accident is restored.
    const rec = await f.view.getJSON<StoredLease>(`id/${kept.leaseId}`);
    assert.ok(rec);
    await f.view.delete(`at/${String(rec.dueTime).padStart(15, '0')}/${kept.leaseId.replace(/\//g, '%2F')}`);

    await Promise.all([f.mgr.tidy(), f.mgr.tidy()]);
    assert.equal(await f.mgr.lookup(orphan.leaseId), undefined);
    assert.ok(await f.mgr.lookup(kept.leaseId));
    const all = await keys(f.view);
    assert.deepEqual(all.filter((k) => k.includes('missing') || k === 'at/junk'), []);
    assert.equal((await keys(f.view, 'at/')).length, 1);
    f.engine.revokeError = undefined;
    f.clock.now += 3600_000;
    assert.equal(await f.mgr.runOnce(), 1);
  });
});

describe('scale', () => {
  it('loads nothing at construction and start: 100k leases not due cost one tiny scan', async () => {
    const view = new TestView();
    const f = fixture({}, view);
    for (let i = 0; i < 100_000; i++) await register(f.mgr, { tokenHash: `t${i % 100}`, secret: { ttl: 3600 + (i % 500) } });
    view.resetStats();
    const fresh = f.make({ workerIntervalMs: 60_000 });
    assert.deepEqual(view.stats, { get: 0, put: 0, delete: 0, list: 0, scan: 0, scanned: 0, transaction: 0 });
    fresh.start();
    while (view.stats.scan === 0) await new Promise((r) => setTimeout(r, 1));
    await fresh.stop();
    assert.equal(view.stats.scan, 1);
    assert.equal(view.stats.scanned, 1);
    assert.equal(await fresh.runOnce(), 0);
    assert.equal(view.stats.scanned, 2);
    assert.equal(view.stats.get, 0);
  });

  it('revokes 20k due leases in one run (throughput reported, not asserted)', async (t) => {
    const f = fixture();
    for (let i = 0; i < 20_000; i++) await register(f.mgr, { tokenHash: `t${i % 50}`, secret: { ttl: 60 } });
    f.clock.now += 60_000;
    const started = performance.now();
    assert.equal(await f.mgr.runOnce(), 20_000);
    const ms = performance.now() - started;
    t.diagnostic(`revoked 20000 leases in ${ms.toFixed(0)} ms (${Math.round(20_000 / (ms / 1000))}/s, test store)`);
    assert.equal(f.engine.revoked.length, 20_000);
    assert.deepEqual(await keys(f.view), []);
  });
});
