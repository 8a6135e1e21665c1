import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KeepError } from '../../errors.ts';
import { createSysBackend } from './backend.ts';
import { makeFakes, makeRunner } from './test-fakes.ts';

async function rejects(p: Promise<unknown>, status: number, message: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof KeepError, `expected KeepError, got ${String(e)}`);
    assert.equal(e.message, message);
    assert.equal(e.status, status);
    return true;
  });
}

const LEASE = 'database/creds/ro/Xq3b9ZkPz0tR5mW2cLhV7nJd';

function setup() {
  const fakes = makeFakes();
  const { run, compiled } = makeRunner(createSysBackend(fakes.services));
  fakes.expiration.leases.set(LEASE, {
    id: LEASE,
    issue_time: '2025-06-10T08:00:00.123456789Z',
    expire_time: '2025-06-10T08:15:00.123456789Z',
    last_renewal: null,
    renewable: true,
    ttl: 842,
  });
  fakes.expiration.leases.set('database/creds/rw/abc', {
    id: 'database/creds/rw/abc',
    issue_time: '2025-06-10T08:00:00Z',
    expire_time: null,
    last_renewal: null,
    renewable: false,
    ttl: 0,
  });
  return { ...fakes, run, compiled };
}

describe('sys/leases/lookup', () => {
  it('returns the lease times', async () => {
    const { run } = setup();
    const r = await run({ operation: 'update', path: 'leases/lookup', data: { lease_id: LEASE } });
    assert.deepEqual(r?.data, {
      id: LEASE,
      issue_time: '2025-06-10T08:00:00.123456789Z',
      expire_time: '2025-06-10T08:15:00.123456789Z',
      last_renewal: null,
      renewable: true,
      ttl: 842,
    });
  });

  it('rejects a missing or unknown id', async () => {
    const { run } = setup();
    await rejects(run({ operation: 'update', path: 'leases/lookup', data: {} }), 400, 'lease_id must be specified');
    await rejects(run({ operation: 'update', path: 'leases/lookup', data: { lease_id: 'nope/x' } }), 400, 'invalid lease');
  });

  it('lists children of a prefix (a trailing / is added)', async () => {
    const { run, expiration } = setup();
    const top = await run({ operation: 'list', path: 'leases/lookup/' });
    assert.deepEqual(top?.data, { keys: ['database/'] });
    const r = await run({ operation: 'list', path: 'leases/lookup/database/creds' });
    assert.deepEqual(r?.data, { keys: ['ro/', 'rw/'] });
    assert.deepEqual(expiration.calls.at(-1), { op: 'listPrefix', args: ['database/creds/'] });
  });
});

describe('sys/leases/renew and sys/renew', () => {
  it('body id wins over the URL; reports the lease fields', async () => {
    const { run, expiration } = setup();
    const r = await run({ operation: 'update', path: 'leases/renew/other/id', data: { lease_id: LEASE, increment: '1h' } });
    assert.deepEqual(expiration.calls.at(-1), { op: 'renew', args: [LEASE, 3600] });
    assert.deepEqual(r, { data: null, leaseId: LEASE, leaseDuration: 3600, renewable: true, warnings: undefined });
  });

  it('takes the URL id, also on the legacy path', async () => {
    const { run, expiration } = setup();
    await run({ operation: 'update', path: `renew/${LEASE}`, data: { increment: 60 } });
    assert.deepEqual(expiration.calls.at(-1), { op: 'renew', args: [LEASE, 60] });
    await run({ operation: 'update', path: 'renew', data: { lease_id: LEASE } });
    assert.deepEqual(expiration.calls.at(-1), { op: 'renew', args: [LEASE, 0] });
  });

  it('rejects a missing id; passes expiration errors through', async () => {
    const { run } = setup();
    await rejects(run({ operation: 'update', path: 'leases/renew', data: {} }), 400, 'lease_id must be specified');
    await rejects(run({ operation: 'update', path: 'leases/renew', data: { lease_id: 'nope/x' } }), 400, 'lease not found');
  });
});

describe('sys/leases/revoke and friends', () => {
  it('sync (default) -> 204, sync=false -> raw 202 with an empty body', async () => {
    const { run, expiration } = setup();
    assert.equal(await run({ operation: 'update', path: 'leases/revoke', data: { lease_id: LEASE } }), undefined);
    assert.deepEqual(expiration.calls.at(-1), { op: 'revoke', args: [LEASE, true] });
    const r = await run({ operation: 'update', path: `revoke/${LEASE}`, data: { sync: false } });
    assert.deepEqual(r?.raw, { status: 202, body: '', contentType: 'application/json' });
    assert.deepEqual(expiration.calls.at(-1), { op: 'revoke', args: [LEASE, false] });
    await rejects(run({ operation: 'update', path: 'leases/revoke', data: {} }), 400, 'lease_id must be specified');
  });

  it('revoke-prefix and revoke-force (and legacy aliases)', async () => {
    const { run, expiration } = setup();
    assert.equal(await run({ operation: 'update', path: 'leases/revoke-prefix/database/creds/' }), undefined);
    assert.deepEqual(expiration.calls.at(-1), { op: 'revokePrefix', args: ['database/creds/', { sync: true, force: false }] });
    const r = await run({ operation: 'update', path: 'revoke-prefix/database', data: { sync: 'false' } });
    assert.equal(r?.raw?.status, 202);
    assert.deepEqual(expiration.calls.at(-1), { op: 'revokePrefix', args: ['database', { sync: false, force: false }] });
    assert.equal(await run({ operation: 'update', path: 'revoke-force/database/' }), undefined);
    assert.deepEqual(expiration.calls.at(-1), { op: 'revokePrefix', args: ['database/', { sync: true, force: true }] });
    await run({ operation: 'update', path: 'leases/revoke-force/aws/' });
    assert.deepEqual(expiration.calls.at(-1), { op: 'revokePrefix', args: ['aws/', { sync: true, force: true }] });
  });

  it('tidy answers 202 with a warning', async () => {
    const { run } = setup();
    const r = await run({ operation: 'update', path: 'leases/tidy' });
    assert.equal(r?.status, 202);
    assert.match(r?.warnings?.[0] ?? '', /^Tidy operation successfully started/);
  });

  it('count and irrevocable listing need type=irrevocable', async () => {
    const { run, expiration } = setup();
    assert.equal(await run({ operation: 'read', path: 'leases/count' }), undefined);
    const c = await run({ operation: 'read', path: 'leases/count', data: { type: 'irrevocable' } });
    assert.deepEqual(c?.data, { lease_count: 1, counts: { database_7a3c1f2e: 1 } });
    assert.equal(await run({ operation: 'read', path: 'leases', data: { type: 'other' } }), undefined);
    const l = await run({ operation: 'read', path: 'leases', data: { type: 'irrevocable' } });
    assert.equal(l?.data?.lease_count, 1);
    assert.deepEqual(expiration.calls.at(-1), { op: 'listIrrevocable', args: [10000] });
    assert.equal(l?.warnings, undefined);
    expiration.truncated = true;
    const t = await run({ operation: 'read', path: 'leases', data: { type: 'irrevocable', limit: '5' } });
    assert.deepEqual(expiration.calls.at(-1), { op: 'listIrrevocable', args: [5] });
    assert.equal(t?.warnings?.length, 1);
    await run({ operation: 'read', path: 'leases', data: { type: 'irrevocable', limit: 'none' } });
    assert.deepEqual(expiration.calls.at(-1), { op: 'listIrrevocable', args: [0] });
    await rejects(run({ operation: 'read', path: 'leases', data: { type: 'irrevocable', limit: 'x' } }), 400, 'invalid limit');
  });
});
