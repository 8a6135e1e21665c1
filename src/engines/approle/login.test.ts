import { test } from 'node:test';
import assert from 'node:assert/strict';
import { approle, assertError, createRole, loginAuth, newSecretId, readRoleId } from './test-setup.ts';

const INVALID = 'invalid role or secret ID';

test('login is the only unauthenticated path', async () => {
  const f = await approle();
  assert.deepEqual(f.backend.special?.unauthenticated, ['login']);
  assert.equal(f.compiled.isUnauthenticated('login'), true);
  assert.equal(f.compiled.isUnauthenticated('role/x/secret-id'), false);
});

test('login success: AuthSpec with role token params, metadata, alias = role_id', async () => {
  const f = await approle();
  await createRole(f, 'Jenkins', {
    token_policies: ['Jenkins-Deploy', 'b'],
    token_ttl: '20m',
    token_max_ttl: '30m',
    token_explicit_max_ttl: '2h',
    token_period: 0,
    token_num_uses: 4,
    token_type: 'service',
  });
  const roleId = await readRoleId(f, 'jenkins');
  const s = await newSecretId(f, 'jenkins', { metadata: '{"job":"deploy-api","role_name":"spoofed"}' });
  const auth = await loginAuth(f, { role_id: ` ${roleId} `, secret_id: `${s.secret_id}\n` });
  assert.deepEqual(auth, {
    displayName: '',
    policies: ['b', 'jenkins-deploy'],
    metadata: { job: 'deploy-api', role_name: 'jenkins' },
    alias: { name: roleId, metadata: { job: 'deploy-api', role_name: 'jenkins' } },
    ttl: 1200,
    maxTTL: 1800,
    explicitMaxTTL: 7200,
    period: 0,
    numUses: 4,
    noDefaultPolicy: false,
    boundCIDRs: [],
    tokenType: 'service',
    internalData: { role_name: 'jenkins' },
    renewable: true,
  });
});

test('login: metadata is never empty (role_name always present); default role token params', async () => {
  const f = await approle();
  await createRole(f, 'plain');
  const s = await newSecretId(f, 'plain');
  const auth = await loginAuth(f, { role_id: await readRoleId(f, 'plain'), secret_id: s.secret_id });
  assert.deepEqual(auth.metadata, { role_name: 'plain' });
  assert.deepEqual(auth.policies, []);
  assert.equal(auth.noDefaultPolicy, false);
  assert.equal(auth.tokenType, 'default');
  assert.equal(auth.ttl, 0);
});

test('login errors: missing role_id, unknown role_id, missing / wrong secret_id (same message)', async () => {
  const f = await approle();
  await createRole(f, 'r');
  const roleId = await readRoleId(f, 'r');
  const s = await newSecretId(f, 'r');
  assertError(await f.fail('update', 'login', {}), 400, 'missing role_id');
  assertError(await f.fail('update', 'login', { role_id: '   ', secret_id: s.secret_id }), 400, 'missing role_id');
  assertError(await f.fail('update', 'login', { role_id: 'unknown', secret_id: s.secret_id }), 400, INVALID);
  assertError(await f.fail('update', 'login', { role_id: roleId }), 400, 'missing secret_id');
  assertError(await f.fail('update', 'login', { role_id: roleId, secret_id: '' }), 400, 'missing secret_id');
  assertError(await f.fail('update', 'login', { role_id: roleId, secret_id: 'wrong' }), 400, INVALID);
  // A secret ID of another role does not work.
  await createRole(f, 'other');
  const o = await newSecretId(f, 'other');
  assertError(await f.fail('update', 'login', { role_id: roleId, secret_id: o.secret_id }), 400, INVALID);
  // The old role_id stops working once changed; the new one works.
  await f.call('update', 'role/r/role-id', { role_id: 'new-id' });
  assertError(await f.fail('update', 'login', { role_id: roleId, secret_id: s.secret_id }), 400, INVALID);
  assert.ok(await loginAuth(f, { role_id: 'new-id', secret_id: s.secret_id }));
});

test('login after the role is deleted fails like an unknown role_id', async () => {
  const f = await approle();
  await createRole(f, 'r');
  const roleId = await readRoleId(f, 'r');
  const s = await newSecretId(f, 'r');
  await f.call('delete', 'role/r');
  assertError(await f.fail('update', 'login', { role_id: roleId, secret_id: s.secret_id }), 400, INVALID);
  // A new role with the same name does not accept the old secret ID.
  await createRole(f, 'r', { role_id: roleId });
  assertError(await f.fail('update', 'login', { role_id: roleId, secret_id: s.secret_id }), 400, INVALID);
});

test('limited-use secret IDs: each login spends a use; the last use deletes it', async () => {
  const f = await approle();
  await createRole(f, 'u', { secret_id_num_uses: 2 });
  const roleId = await readRoleId(f, 'u');
  const s = await newSecretId(f, 'u');
  await loginAuth(f, { role_id: roleId, secret_id: s.secret_id });
  const look = await f.call('update', 'role/u/secret-id/lookup', { secret_id: s.secret_id });
  assert.equal(look?.data?.secret_id_num_uses, 1);
  await loginAuth(f, { role_id: roleId, secret_id: s.secret_id });
  assertError(await f.fail('update', 'login', { role_id: roleId, secret_id: s.secret_id }), 400, INVALID);
  assert.equal(await f.call('update', 'role/u/secret-id/lookup', { secret_id: s.secret_id }), undefined);
  assert.ok(!(await f.storage.keys()).some((k) => k.startsWith('accessor/') || k.startsWith('secret_id/')));
});

test('limited-use secret ID: concurrent logins never over-spend', async () => {
  const f = await approle();
  await createRole(f, 'c');
  const roleId = await readRoleId(f, 'c');
  const s = await newSecretId(f, 'c', { num_uses: 3 });
  const results = await Promise.allSettled(Array.from({ length: 10 }, () => f.call('update', 'login', { role_id: roleId, secret_id: s.secret_id })));
  assert.equal(results.filter((r) => r.status === 'fulfilled').length, 3);
  for (const r of results) if (r.status === 'rejected') assert.equal((r.reason as Error).message, INVALID);
});

test('expired secret IDs are rejected at login and purged', async () => {
  const f = await approle();
  await createRole(f, 'e', { secret_id_ttl: 60 });
  const roleId = await readRoleId(f, 'e');
  const s = await newSecretId(f, 'e');
  f.clock.now += 59_000;
  await loginAuth(f, { role_id: roleId, secret_id: s.secret_id });
  f.clock.now += 1_000;
  assertError(await f.fail('update', 'login', { role_id: roleId, secret_id: s.secret_id }), 400, INVALID);
  assert.ok(!(await f.storage.keys()).some((k) => k.startsWith('secret_id/')));
});

test('a secret ID whose accessor index is gone is refused and removed', async () => {
  const f = await approle();
  await createRole(f, 'a');
  const roleId = await readRoleId(f, 'a');
  const s = await newSecretId(f, 'a');
  const accessorKey = (await f.storage.keys()).find((k) => k.startsWith('accessor/'));
  assert.ok(accessorKey);
  await f.storage.delete(accessorKey);
  assertError(await f.fail('update', 'login', { role_id: roleId, secret_id: s.secret_id }), 400, INVALID);
  assert.deepEqual((await f.storage.keys()).filter((k) => k.startsWith('secret_id/')), []);
});

test('secret ID cidr_list: unlimited and limited messages; the use is burned before the check', async () => {
  const f = await approle();
  await createRole(f, 'c');
  const roleId = await readRoleId(f, 'c');
  const free = await newSecretId(f, 'c', { cidr_list: '10.0.0.0/8' });
  assertError(
    await f.fail('update', 'login', { role_id: roleId, secret_id: free.secret_id }, '192.168.1.5'),
    400,
    'source address "192.168.1.5" unauthorized through CIDR restrictions on the secret ID',
  );
  assert.ok(await loginAuth(f, { role_id: roleId, secret_id: free.secret_id }, '10.2.3.4'));
  assert.ok(await loginAuth(f, { role_id: roleId, secret_id: free.secret_id }, '::ffff:10.2.3.4'));

  const once = await newSecretId(f, 'c', { cidr_list: '10.0.0.0/8', num_uses: 1 });
  assertError(
    await f.fail('update', 'login', { role_id: roleId, secret_id: once.secret_id }, '192.168.1.5'),
    400,
    'source address "192.168.1.5" unauthorized by CIDR restrictions on the secret ID: %!w(<nil>)',
  );
  assertError(await f.fail('update', 'login', { role_id: roleId, secret_id: once.secret_id }, '10.0.0.1'), 400, INVALID);
});

test('role secret_id_bound_cidrs: checked after the secret ID, also with bind_secret_id=false', async () => {
  const f = await approle();
  await createRole(f, 'rb', { secret_id_bound_cidrs: ['10.0.0.0/8', '172.16.0.0/12'] });
  const roleId = await readRoleId(f, 'rb');
  const s = await newSecretId(f, 'rb');
  assertError(
    await f.fail('update', 'login', { role_id: roleId, secret_id: s.secret_id }, '8.8.8.8'),
    400,
    'source address "8.8.8.8" unauthorized by CIDR restrictions on the role: %!w(<nil>)',
  );
  assertError(await f.fail('update', 'login', { role_id: roleId, secret_id: 'wrong' }, '8.8.8.8'), 400, INVALID);
  assert.ok(await loginAuth(f, { role_id: roleId, secret_id: s.secret_id }, '172.20.1.1'));

  await createRole(f, 'nosecret', { bind_secret_id: false, secret_id_bound_cidrs: '10.0.0.0/8' });
  const rid = await readRoleId(f, 'nosecret');
  assertError(
    await f.fail('update', 'login', { role_id: rid }, '11.0.0.1'),
    400,
    'source address "11.0.0.1" unauthorized by CIDR restrictions on the role: %!w(<nil>)',
  );
  const auth = await loginAuth(f, { role_id: rid, secret_id: 'ignored' }, '10.1.1.1');
  assert.deepEqual(auth.metadata, { role_name: 'nosecret' });
  assert.equal(auth.alias?.name, rid);
});

test('secret ID CIDRs outside a role narrowed later: login fails with the subset error', async () => {
  const f = await approle();
  await createRole(f, 'n');
  const roleId = await readRoleId(f, 'n');
  const s = await newSecretId(f, 'n', { cidr_list: '10.0.0.0/8' });
  await f.call('update', 'role/n', { secret_id_bound_cidrs: '10.1.0.0/16' });
  assertError(
    await f.fail('update', 'login', { role_id: roleId, secret_id: s.secret_id }, '10.1.0.1'),
    500,
    'failed to verify subset relationship between CIDR blocks on the role ["10.1.0.0/16"] and CIDR blocks on the secret ID ["10.0.0.0/8"]: %!w(<nil>)',
  );
});

test('token_bound_cidrs: role value, secret-ID override, and 403 for a login from outside', async () => {
  const f = await approle();
  await createRole(f, 't', { token_bound_cidrs: ['10.0.0.0/8'] });
  const roleId = await readRoleId(f, 't');
  const s = await newSecretId(f, 't');
  const auth = await loginAuth(f, { role_id: roleId, secret_id: s.secret_id }, '10.4.4.4');
  assert.deepEqual(auth.boundCIDRs, ['10.0.0.0/8']);
  assertError(await f.fail('update', 'login', { role_id: roleId, secret_id: s.secret_id }, '192.168.0.1'), 403, 'permission denied');

  const narrow = await newSecretId(f, 't', { token_bound_cidrs: '10.4.0.0/16' });
  const a2 = await loginAuth(f, { role_id: roleId, secret_id: narrow.secret_id }, '10.4.1.1');
  assert.deepEqual(a2.boundCIDRs, ['10.4.0.0/16']);
  assertError(await f.fail('update', 'login', { role_id: roleId, secret_id: narrow.secret_id }, '10.5.1.1'), 403, 'permission denied');
});

test('CIDR checks without a source address fail closed', async () => {
  const f = await approle();
  await createRole(f, 'x', { secret_id_bound_cidrs: '10.0.0.0/8' });
  const roleId = await readRoleId(f, 'x');
  const s = await newSecretId(f, 'x');
  assertError(await f.fail('update', 'login', { role_id: roleId, secret_id: s.secret_id }, ''), 500, 'failed to get connection information');
});

test('renew hook: the role’s current token_ttl/max/period; deleted role fails', async () => {
  const f = await approle();
  await createRole(f, 'ren', { token_ttl: 60, token_max_ttl: 600 });
  const roleId = await readRoleId(f, 'ren');
  const s = await newSecretId(f, 'ren');
  const auth = await loginAuth(f, { role_id: roleId, secret_id: s.secret_id });
  const renew = f.backend.authRenew;
  assert.ok(renew);
  assert.deepEqual(await renew(auth.internalData), { ttl: 60, maxTTL: 600, period: 0 });
  await f.call('update', 'role/REN', { token_ttl: 120, token_max_ttl: 900, token_period: 300 });
  assert.deepEqual(await renew(auth.internalData), { ttl: 120, maxTTL: 900, period: 300 });
  await f.call('delete', 'role/ren');
  await assert.rejects(renew(auth.internalData), { message: 'role "ren" does not exist during renewal' });
  await assert.rejects(renew({}), { message: 'failed to fetch role_name during renewal' });
});

test('login takes no other fields silently: unknown ones are warned about', async () => {
  const f = await approle();
  await createRole(f, 'w');
  const s = await newSecretId(f, 'w');
  const r = await f.call('update', 'login', { role_id: await readRoleId(f, 'w'), secret_id: s.secret_id, extra: 'x' });
  assert.deepEqual(r?.warnings, ['Endpoint ignored these unrecognized parameters: [extra]']);
  assertError(await f.fail('read', 'login'), 405, '1 error occurred:\n\t* unsupported operation\n\n');
});
