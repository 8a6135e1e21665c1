import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LeaseInfo } from '../../framework/types.ts';
import { assertError, CREATE_SQL, fixture, type Fixture, writeConfig } from './test-fakes.ts';

async function setup(opts: { allowed?: string; defaultTTL?: number } = {}): Promise<Fixture> {
  const f = await fixture({ defaultTTL: opts.defaultTTL ?? 3600, maxTTL: 7200 });
  await writeConfig(f, 'pg', { allowed_roles: opts.allowed ?? '*' });
  await f.call('update', 'roles/ci-ro', {
    db_name: 'pg',
    creation_statements: CREATE_SQL,
    revocation_statements: 'DROP ROLE "{{name}}";',
    renew_statements: 'ALTER ROLE "{{name}}" VALID UNTIL \'{{expiration}}\';',
    default_ttl: '10m',
    max_ttl: '30m',
  });
  return f;
}

function secretType(f: Fixture) {
  const t = f.backend.secrets?.creds;
  assert.ok(t?.renew);
  return { renew: t.renew.bind(t), revoke: t.revoke.bind(t) };
}

test('creds: a user is created and the response carries a renewable SecretSpec with internal data', async () => {
  const f = await setup();
  const r = await f.call('read', 'creds/ci-ro', {}, { displayName: 'jwt-ci-project' });
  const data = r?.data as { username: string; password: string };
  assert.deepEqual(Object.keys(data).sort(), ['password', 'username']);
  assert.match(data.username, /^v-jwt-ci-p-ci-ro-[A-Za-z0-9]{8}$/);
  assert.match(data.password, /^Pw-default-/);
  assert.deepEqual(r?.secret, {
    type: 'creds',
    ttl: 600,
    maxTTL: 1800,
    renewable: true,
    internalData: {
      username: data.username,
      role: 'ci-ro',
      db_name: 'pg',
      revocation_statements: ['DROP ROLE "{{name}}";'],
      renew_statements: ['ALTER ROLE "{{name}}" VALID UNTIL \'{{expiration}}\';'],
    },
  });
  const user = f.db.users.get(data.username);
  assert.equal(user?.password, data.password);
  // Expiry = now + ttl + 5 s buffer.
  assert.equal(user?.expiration?.getTime(), f.clock.now + 600_000 + 5000);
  const call = f.db.callsOf('newUser')[0].args as { statements: { creation: string[] } };
  assert.deepEqual(call.statements.creation, [CREATE_SQL]);
});

test('creds: the TTL of the user follows the mount when the role has none, capped by the role max', async () => {
  const f = await setup({ defaultTTL: 120 });
  await f.call('update', 'roles/short', { db_name: 'pg', creation_statements: CREATE_SQL });
  const r = await f.call('read', 'creds/short');
  assert.equal(r?.secret?.ttl, 0);
  const u = f.db.users.get(String(r?.data?.username));
  assert.equal(u?.expiration?.getTime(), f.clock.now + 120_000 + 5000);
  await f.call('update', 'roles/capped', { db_name: 'pg', creation_statements: CREATE_SQL, default_ttl: '1h', max_ttl: '5m' });
  const r2 = await f.call('read', 'creds/capped');
  assert.equal(f.db.users.get(String(r2?.data?.username))?.expiration?.getTime(), f.clock.now + 300_000 + 5000);
});

test('creds: only GET; a write is 405', async () => {
  const f = await setup();
  const e = await f.fail('update', 'creds/ci-ro');
  assert.equal(e.status, 405);
  assert.equal(f.db.users.size, 0);
});

test('creds: unknown role 400; missing connection 500; no creation statements 500 with nothing leased', async () => {
  const f = await setup();
  assertError(await f.fail('read', 'creds/nope'), 400, 'unknown role: nope');
  await f.call('update', 'roles/orphan', { db_name: 'gone', creation_statements: CREATE_SQL });
  assertError(await f.fail('read', 'creds/orphan'), 500, 'failed to find entry for connection with name: "gone"');
  await f.call('update', 'roles/empty', { db_name: 'pg' });
  assertError(await f.fail('read', 'creds/empty'), 500, 'empty creation statements');
  await f.call('update', 'roles/rsa', { db_name: 'pg', creation_statements: CREATE_SQL, credential_type: 'rsa_private_key' });
  assertError(await f.fail('read', 'creds/rsa'), 500, 'unsupported credential_type "rsa_private_key"');
  assert.equal(f.db.users.size, 0);
});

test('creds: allowed_roles globs are checked at issue time (500), not at role write', async () => {
  const f = await setup({ allowed: 'ci-*' });
  await f.call('update', 'roles/prod', { db_name: 'pg', creation_statements: CREATE_SQL });
  assert.ok((await f.call('read', 'creds/ci-ro'))?.data);
  assertError(await f.fail('read', 'creds/prod'), 500, '"prod" is not an allowed role');
  await f.call('update', 'config/pg', { allowed_roles: '' });
  assertError(await f.fail('read', 'creds/ci-ro'), 500, '"ci-ro" is not an allowed role');
  await f.call('update', 'config/pg', { allowed_roles: ['prod', 'ci-ro'] });
  assert.ok((await f.call('read', 'creds/prod'))?.data);
});

test('creds: password policy of the role wins over the connection one; a missing policy fails the issue', async () => {
  const f = await setup();
  await f.call('update', 'config/pg', { password_policy: 'conn-policy' });
  assert.match(String((await f.call('read', 'creds/ci-ro'))?.data?.password), /^Pw-conn-policy-/);
  await f.call('update', 'roles/ci-ro', { credential_config: { password_policy: 'role-policy' } });
  assert.match(String((await f.call('read', 'creds/ci-ro'))?.data?.password), /^Pw-role-policy-/);
  await f.call('update', 'roles/ci-ro', { credential_config: { password_policy: 'missing' } });
  assertError(await f.fail('read', 'creds/ci-ro'), 500, 'no password policy found');
  assert.deepEqual(f.policies, ['conn-policy', 'role-policy', 'missing']);
});

test('creds: the connection username_template is used; a database error is a 500 without the password', async () => {
  const f = await setup();
  await f.call('update', 'config/pg', { username_template: '{{ printf "ci_%s" .RoleName }}' });
  assert.equal((await f.call('read', 'creds/ci-ro'))?.data?.username, 'ci_ci-ro');
  f.db.echoFailure.add('newUser');
  const e = await f.fail('read', 'creds/ci-ro');
  assertError(e, 500, "syntax error near 'xxxxx'");
  const tried = f.db.callsOf('newUser').at(-1)?.args as { password: string };
  assert.ok(tried.password.length > 0);
  assert.equal(f.db.users.size, 1);
});

test('renew through the secret type: current role TTLs, renew statements, expiry from the increment', async () => {
  const f = await setup();
  const r = await f.call('read', 'creds/ci-ro');
  const lease = f.lease(r);
  const { renew } = secretType(f);
  f.clock.now += 60_000;
  const out = await renew({ ...lease, increment: 900 }, f.storage);
  assert.deepEqual(out, { ttl: 600, maxTTL: 1800 });
  const user = f.db.users.get(String(r?.data?.username));
  assert.equal(user?.expiration?.getTime(), f.clock.now + 900_000 + 5000);
  const call = f.db.callsOf('renewUser')[0].args as { statements: { renew: string[] } };
  assert.deepEqual(call.statements.renew, ['ALTER ROLE "{{name}}" VALID UNTIL \'{{expiration}}\';']);
  // No increment: the role's default TTL; capped to what remains of the max TTL.
  f.clock.now += 25 * 60_000;
  await renew(lease, f.storage);
  assert.equal(user?.expiration?.getTime(), lease.issueTime + 1800_000 + 5000);
  // Past the max TTL: no database call; core answers with its own message.
  f.clock.now += 10 * 60_000;
  const calls = f.db.callsOf('renewUser').length;
  assert.deepEqual(await renew(lease, f.storage), { ttl: 600, maxTTL: 1800 });
  assert.equal(f.db.callsOf('renewUser').length, calls);
});

test('renew fails when the role is gone or the database is down', async () => {
  const f = await setup();
  const lease = f.lease(await f.call('read', 'creds/ci-ro'));
  const { renew } = secretType(f);
  f.db.down = true;
  await assert.rejects(renew(lease, f.storage), /connection refused/);
  f.db.down = false;
  await f.call('delete', 'roles/ci-ro');
  await assert.rejects(renew(lease, f.storage), { message: 'error during renew: could not find role with name "ci-ro"' });
});

test('revoke through the secret type: the role current statements, or the lease internal data once the role is deleted', async () => {
  const f = await setup();
  const { revoke } = secretType(f);
  const r1 = await f.call('read', 'creds/ci-ro');
  const r2 = await f.call('read', 'creds/ci-ro');
  await f.call('update', 'roles/ci-ro', { revocation_statements: 'DROP ROLE NEW "{{name}}";' });
  await revoke(f.lease(r1), f.storage);
  assert.ok(!f.db.users.has(String(r1?.data?.username)));
  let call = f.db.callsOf('revokeUser')[0].args as { username: string; statements: { revocation: string[] } };
  assert.deepEqual(call.statements.revocation, ['DROP ROLE NEW "{{name}}";']);
  assert.equal(call.username, r1?.data?.username);

  await f.call('delete', 'roles/ci-ro');
  await revoke(f.lease(r2), f.storage);
  assert.ok(!f.db.users.has(String(r2?.data?.username)));
  call = f.db.callsOf('revokeUser')[1].args as { username: string; statements: { revocation: string[] } };
  assert.deepEqual(call.statements.revocation, ['DROP ROLE "{{name}}";']);
  assert.equal(f.db.users.size, 0);
});

test('revoke failures are thrown for core to retry: database down, connection deleted; bad internal data is unrecoverable', async () => {
  const f = await setup();
  const { revoke } = secretType(f);
  const lease = f.lease(await f.call('read', 'creds/ci-ro'));
  f.db.down = true;
  await assert.rejects(revoke(lease, f.storage), /connection refused/);
  f.db.down = false;
  await f.call('delete', 'config/pg');
  await assert.rejects(revoke(lease, f.storage), { status: 500, message: 'failed to find entry for connection with name: "pg"' });
  const bad: LeaseInfo = { ...lease, internalData: { role: 'ci-ro' } };
  await assert.rejects(revoke(bad, f.storage), { code: 'KEEP_E_INVALID_REQUEST', message: 'secret is missing username internal data' });
  await f.call('delete', 'roles/ci-ro');
  const noDb: LeaseInfo = { ...lease, internalData: { username: 'u', role: 'ci-ro' } };
  await assert.rejects(revoke(noDb, f.storage), { code: 'KEEP_E_INVALID_REQUEST' });
});
