import { test } from 'node:test';
import assert from 'node:assert/strict';
import { approle, assertError, createRole, newSecretId, readRoleId } from './test-setup.ts';

test('role write then read returns the 5.3 shape with defaults; role_id is not in it', async () => {
  const f = await approle();
  const w = await f.call('update', 'role/jenkins', {
    token_policies: 'jenkins-deploy',
    secret_id_num_uses: 1,
    secret_id_ttl: '10m',
    token_ttl: '20m',
    token_max_ttl: 1800,
  });
  assert.equal(w, undefined);
  const r = await f.call('read', 'role/jenkins');
  assert.deepEqual(r?.data, {
    bind_secret_id: true,
    local_secret_ids: false,
    secret_id_bound_cidrs: null,
    secret_id_num_uses: 1,
    secret_id_ttl: 600,
    token_bound_cidrs: [],
    token_explicit_max_ttl: 0,
    token_max_ttl: 1800,
    token_no_default_policy: false,
    token_num_uses: 0,
    token_period: 0,
    token_policies: ['jenkins-deploy'],
    token_ttl: 1200,
    token_type: 'default',
  });
});

test('read and delete of a missing role: 404 (undefined) and 204', async () => {
  const f = await approle();
  assert.equal(await f.call('read', 'role/nope'), undefined);
  assert.equal(await f.call('delete', 'role/nope'), undefined);
  assert.equal(await f.call('read', 'role/nope/role-id'), undefined);
});

test('role LIST: keys sorted, lower-case; 404 when none', async () => {
  const f = await approle();
  assert.equal(await f.call('list', 'role/'), undefined);
  await createRole(f, 'Zeta');
  await createRole(f, 'alpha');
  const r = await f.call('list', 'role/');
  assert.deepEqual(r?.data, { keys: ['alpha', 'zeta'] });
  const r2 = await f.call('list', 'role');
  assert.deepEqual(r2?.data, { keys: ['alpha', 'zeta'] });
});

test('role names are case-insensitive', async () => {
  const f = await approle();
  await createRole(f, 'Jenkins', { token_ttl: 60 });
  const r = await f.call('read', 'role/JENKINS');
  assert.equal(r?.data?.token_ttl, 60);
  await f.call('update', 'role/jenkins', { token_ttl: 90 });
  assert.equal((await f.call('read', 'role/Jenkins'))?.data?.token_ttl, 90);
  assert.equal(await readRoleId(f, 'JeNkInS'), await readRoleId(f, 'jenkins'));
  await f.call('delete', 'role/JENKINS');
  assert.equal(await f.call('read', 'role/jenkins'), undefined);
});

test('existence check: first write is create, later ones update and keep omitted fields', async () => {
  const f = await approle();
  const prepared = async () => {
    const { prepare } = await import('../../framework/dispatch.ts');
    return prepare(f.compiled, {
      requestId: 'r',
      operation: 'update',
      path: 'role/ci',
      fullPath: 'auth/approle/role/ci',
      raw: {},
      storage: f.storage,
      mount: f.mount,
      clientToken: '',
      remoteAddress: '127.0.0.1',
      wrapTTL: 0,
      headers: {},
    });
  };
  assert.equal(await (await prepared()).exists(), false);
  await createRole(f, 'ci', { token_policies: ['a', 'b'], secret_id_ttl: 300 });
  assert.equal(await (await prepared()).exists(), true);
  await f.call('update', 'role/ci', { token_ttl: 100 });
  const data = (await f.call('read', 'role/ci'))?.data;
  assert.deepEqual(data?.token_policies, ['a', 'b']);
  assert.equal(data?.secret_id_ttl, 300);
  assert.equal(data?.token_ttl, 100);
});

test('role name pattern: invalid names are unsupported paths; over 4096 bytes rejected', async () => {
  const f = await approle();
  assertError(await f.fail('update', 'role/-bad', {}), 404, '1 error occurred:\n\t* unsupported path\n\n');
  assertError(await f.fail('update', 'role/bad.', {}), 404, '1 error occurred:\n\t* unsupported path\n\n');
  await createRole(f, 'a.b-c_d');
  assert.ok(await f.call('read', 'role/a.b-c_d'));
  assertError(await f.fail('update', `role/${'x'.repeat(4097)}`, {}), 400, 'role_name is longer than maximum of 4096 bytes');
});

test('legacy policies/period/bound_cidr_list are stored and shown under both names', async () => {
  const f = await approle();
  await createRole(f, 'old', { policies: 'B,a , a', period: '1h', bound_cidr_list: '10.0.0.0/8' });
  const data = (await f.call('read', 'role/old'))?.data;
  assert.deepEqual(data?.policies, ['a', 'b']);
  assert.deepEqual(data?.token_policies, ['a', 'b']);
  assert.equal(data?.period, 3600);
  assert.equal(data?.token_period, 3600);
  assert.deepEqual(data?.secret_id_bound_cidrs, ['10.0.0.0/8']);
  // Writing the new name clears the legacy one.
  await f.call('update', 'role/old', { token_policies: ['c'], token_period: 60 });
  const after = (await f.call('read', 'role/old'))?.data;
  assert.equal(after?.policies, undefined);
  assert.equal(after?.period, undefined);
  assert.deepEqual(after?.token_policies, ['c']);
  assert.equal(after?.token_period, 60);
});

test('token_type: default-service / default-batch rewritten with warning; invalid rejected', async () => {
  const f = await approle();
  const r = await f.call('update', 'role/a', { token_type: 'default-service' });
  assert.deepEqual(r?.warnings, ['default-service has no useful meaning; adjusting to service']);
  assert.equal((await f.call('read', 'role/a'))?.data?.token_type, 'service');
  const r2 = await f.call('update', 'role/b', { token_type: 'default-batch' });
  assert.deepEqual(r2?.warnings, ['default-batch has no useful meaning; adjusting to batch']);
  assert.equal((await f.call('read', 'role/b'))?.data?.token_type, 'batch');
  assertError(await f.fail('update', 'role/c', { token_type: 'weird' }), 400, `invalid 'token_type' value "weird"`);
  assertError(
    await f.fail('update', 'role/d', { token_type: 'batch', token_period: 60 }),
    400,
    "'token_type' cannot be 'batch' or 'default_batch' when set to generate periodic tokens",
  );
  assertError(
    await f.fail('update', 'role/d', { token_type: 'batch', token_num_uses: 2 }),
    400,
    "'token_type' cannot be 'batch' or 'default_batch' when set to generate tokens with limited use count",
  );
});

test('role validation messages', async () => {
  const f = await approle({ maxTTL: 7200 });
  assertError(await f.fail('update', 'role/r', { token_ttl: 100, token_max_ttl: 50 }), 400, "'token_ttl' cannot be greater than 'token_max_ttl'");
  assertError(await f.fail('update', 'role/r', { secret_id_num_uses: -1 }), 400, 'secret_id_num_uses cannot be negative');
  assertError(await f.fail('update', 'role/r', { token_num_uses: -1 }), 400, "'token_num_uses' cannot be negative");
  assertError(await f.fail('update', 'role/r', { secret_id_bound_cidrs: ['10.0.0.0/8', 'nope'] }), 400, 'invalid CIDR blocks');
  assertError(await f.fail('update', 'role/r', { secret_id_bound_cidrs: '10.0.0.1' }), 400, 'invalid CIDR blocks');
  assertError(
    await f.fail('update', 'role/r', { token_bound_cidrs: 'x.y' }),
    400,
    'error parsing token_bound_cidrs: invalid IP address or CIDR block "x.y"',
  );
  assertError(await f.fail('update', 'role/r', { role_id: '' }), 400, 'invalid role_id supplied, or failed to generate a role_id');
  assertError(
    await f.fail('update', 'role/r', { period: '3h' }),
    400,
    'period of "3h0m0s" is greater than the backend\'s maximum lease TTL of "2h0m0s"',
  );
  assertError(await f.fail('update', 'role/r', { bind_secret_id: false }), 500, 'at least one constraint should be enabled on the role');
  assert.equal(await f.call('read', 'role/r'), undefined, 'nothing was stored by failed writes');
});

test('oversized token_period is accepted; token_max_ttl above mount max warns', async () => {
  const f = await approle({ maxTTL: 3600 });
  assert.equal(await f.call('update', 'role/p', { token_period: '2h' }), undefined);
  const r = await f.call('update', 'role/m', { token_max_ttl: '2h' });
  assert.deepEqual(r?.warnings, ["token_max_ttl is greater than the backend mount's maximum TTL value; issued tokens' max TTL value will be truncated"]);
  assert.equal((await f.call('read', 'role/m'))?.data?.token_max_ttl, 7200);
});

test('bind_secret_id=false is fine with a CIDR constraint', async () => {
  const f = await approle();
  await createRole(f, 'cidr', { bind_secret_id: false, secret_id_bound_cidrs: '10.0.0.0/8' });
  assert.equal((await f.call('read', 'role/cidr'))?.data?.bind_secret_id, false);
  await createRole(f, 'tok', { bind_secret_id: false, token_bound_cidrs: '10.1.2.3' });
  assert.deepEqual((await f.call('read', 'role/tok'))?.data?.token_bound_cidrs, ['10.1.2.3']);
  // Removing the last constraint fails and leaves the role as it was.
  assertError(await f.fail('update', 'role/tok', { token_bound_cidrs: [] }), 500, 'at least one constraint should be enabled on the role');
  assert.deepEqual((await f.call('read', 'role/tok'))?.data?.token_bound_cidrs, ['10.1.2.3']);
});

test('local_secret_ids: create-only', async () => {
  const f = await approle();
  await createRole(f, 'l', { local_secret_ids: true });
  assert.equal((await f.call('read', 'role/l'))?.data?.local_secret_ids, true);
  assertError(await f.fail('update', 'role/l', { local_secret_ids: false }), 400, 'local_secret_ids can only be modified during role creation');
});

test('unknown fields are not an error (the framework warns when there is a reply)', async () => {
  const f = await approle();
  await f.call('update', 'role/w', { bogus: 1 });
  const r = await f.call('update', 'role/w', { bogus: 1, token_type: 'default-service' });
  assert.deepEqual(r?.warnings, [
    'default-service has no useful meaning; adjusting to service',
    'Endpoint ignored these unrecognized parameters: [bogus]',
  ]);
});

test('role-id: generated UUID, custom value at creation, update, uniqueness', async () => {
  const f = await approle();
  await createRole(f, 'a');
  const generated = await readRoleId(f, 'a');
  assert.match(generated, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  await createRole(f, 'b', { role_id: 'custom-b' });
  assert.equal(await readRoleId(f, 'b'), 'custom-b');
  assert.deepEqual((await f.call('read', 'role/b/role-id'))?.data, { role_id: 'custom-b' });

  assertError(await f.fail('update', 'role/c', { role_id: 'custom-b' }), 500, 'role_id already in use');
  assertError(await f.fail('update', 'role/a/role-id', { role_id: 'custom-b' }), 500, 'role_id already in use');
  assert.equal(await readRoleId(f, 'a'), generated);

  assert.equal(await f.call('update', 'role/a/role-id', { role_id: 'new-a' }), undefined);
  assert.equal(await readRoleId(f, 'a'), 'new-a');
  // The old role_id is free again.
  await createRole(f, 'c', { role_id: generated });
  assert.equal(await readRoleId(f, 'c'), generated);
  // Re-writing a role with its own role_id is fine.
  assert.equal(await f.call('update', 'role/b', { role_id: 'custom-b', token_ttl: 5 }), undefined);

  assertError(await f.fail('update', 'role/a/role-id', {}), 400, 'missing role_id');
  assertError(await f.fail('update', 'role/a/role-id', { role_id: '' }), 400, 'missing role_id');
  assertError(await f.fail('update', 'role/zz/role-id', { role_id: 'x' }), 404, '1 error occurred:\n\t* unsupported path\n\n');
  assert.equal(await f.call('read', 'role/zz'), undefined, 'role-id write does not create roles');
});

test('role delete removes its secret IDs, accessors and role-id index', async () => {
  const f = await approle();
  await createRole(f, 'gone', { role_id: 'rid' });
  await newSecretId(f, 'gone');
  await newSecretId(f, 'gone');
  const before = await f.storage.keys();
  assert.equal(before.filter((k) => k.startsWith('secret_id/')).length, 2);
  assert.equal(before.filter((k) => k.startsWith('accessor/')).length, 2);
  await f.call('delete', 'role/gone');
  const after = await f.storage.keys();
  assert.deepEqual(after, ['salt']);
  // The role_id can be reused.
  await createRole(f, 'other', { role_id: 'rid' });
  assert.equal(await readRoleId(f, 'other'), 'rid');
});

test('storage keys never contain role names in clear beyond role/, nor role IDs', async () => {
  const f = await approle();
  await createRole(f, 'visible', { role_id: 'super-secret-role-id' });
  const keys = await f.storage.keys();
  assert.ok(keys.includes('role/visible'));
  assert.ok(keys.every((k) => !k.includes('super-secret-role-id')));
});
