import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertError, CREATE_SQL, fixture } from './test-fakes.ts';

test('role create then read: 2.6 shape with defaults, lists [] not null, TTLs in seconds', async () => {
  const f = await fixture();
  assert.equal(await f.call('update', 'roles/ci-ro', { db_name: 'pg', creation_statements: CREATE_SQL, default_ttl: '15m', max_ttl: 3600 }), undefined);
  const r = await f.call('read', 'roles/ci-ro');
  assert.deepEqual(r?.data, {
    db_name: 'pg',
    creation_statements: [CREATE_SQL],
    revocation_statements: [],
    rollback_statements: [],
    renew_statements: [],
    default_ttl: 900,
    max_ttl: 3600,
    credential_type: 'password',
  });
});

test('role update keeps omitted fields; empty revocation statements are dropped; credential_config shown when set', async () => {
  const f = await fixture();
  await f.call('update', 'roles/r', {
    db_name: 'pg',
    creation_statements: ['A;', 'B;'],
    revocation_statements: ['DROP;', ''],
    renew_statements: 'RENEW',
    default_ttl: 60,
  });
  await f.call('update', 'roles/r', { max_ttl: '2h', credential_config: ['password_policy=strong'] });
  const d = (await f.call('read', 'roles/r'))?.data;
  assert.deepEqual(d?.creation_statements, ['A;', 'B;']);
  assert.deepEqual(d?.revocation_statements, ['DROP;']);
  assert.deepEqual(d?.renew_statements, ['RENEW']);
  assert.equal(d?.default_ttl, 60);
  assert.equal(d?.max_ttl, 7200);
  assert.deepEqual(d?.credential_config, { password_policy: 'strong' });
  await f.call('update', 'roles/r', { db_name: 'other', credential_config: { password_policy: 'p2' } });
  const d2 = (await f.call('read', 'roles/r'))?.data;
  assert.equal(d2?.db_name, 'other');
  assert.deepEqual(d2?.credential_config, { password_policy: 'p2' });
  assert.deepEqual(d2?.creation_statements, ['A;', 'B;']);
});

test('role write rejections and their messages', async () => {
  const f = await fixture();
  assertError(await f.fail('update', 'roles/r', { creation_statements: 'X' }), 400, 'database name is required');
  assertError(await f.fail('update', 'roles/r', { db_name: '' }), 400, 'database name is required');
  assertError(await f.fail('update', 'roles/r', { db_name: 'pg', credential_type: 'kerberos' }), 400, 'invalid credential_type "kerberos"');
  assertError(
    await f.fail('update', 'roles/r', { db_name: 'pg', credential_config: { nope: '1' } }),
    400,
    'credential_config validation failed: invalid keys: nope',
  );
  const bad = await f.fail('update', 'roles/r', { db_name: 'pg', default_ttl: 'soon' });
  assert.equal(bad.status, 400);
  assert.deepEqual(await f.storage.keys(), []);
  // An existing role cannot lose its db_name either.
  await f.call('update', 'roles/r', { db_name: 'pg' });
  assertError(await f.fail('update', 'roles/r', { db_name: '' }), 400, 'database name is required');
});

test('role names: the pattern rejects bad names; a static role name cannot be reused', async () => {
  const f = await fixture();
  await assert.rejects(f.call('update', 'roles/bad-', { db_name: 'pg' }), { status: 404 });
  await assert.rejects(f.call('update', 'roles/a b', { db_name: 'pg' }), { status: 404 });
  await f.storage.putJSON('static-role/shared', { db_name: 'pg', username: 'app' });
  assertError(await f.fail('update', 'roles/shared', { db_name: 'pg' }), 400, 'Role and Static Role names must be unique');
});

test('role read/delete of a missing role: 404 and 204; LIST sorted, 404 when empty', async () => {
  const f = await fixture();
  assert.equal(await f.call('read', 'roles/none'), undefined);
  assert.equal(await f.call('delete', 'roles/none'), undefined);
  assert.equal(await f.call('list', 'roles/'), undefined);
  await f.call('update', 'roles/zeta', { db_name: 'pg' });
  await f.call('update', 'roles/alpha', { db_name: 'pg' });
  assert.deepEqual((await f.call('list', 'roles/'))?.data, { keys: ['alpha', 'zeta'] });
  assert.equal(await f.call('delete', 'roles/zeta'), undefined);
  assert.deepEqual((await f.call('list', 'roles'))?.data, { keys: ['alpha'] });
});
