import { test } from 'node:test';
import assert from 'node:assert/strict';
import { approle, assertError, createRole, newSecretId } from './test-setup.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test('generate: response shape, role defaults, wrapped accessor', async () => {
  const f = await approle();
  await createRole(f, 'jenkins', { secret_id_num_uses: 1, secret_id_ttl: '10m' });
  const r = await f.call('update', 'role/jenkins/secret-id');
  const data = r?.data as Record<string, unknown>;
  assert.deepEqual(Object.keys(data).sort(), ['secret_id', 'secret_id_accessor', 'secret_id_num_uses', 'secret_id_ttl']);
  assert.match(String(data.secret_id), UUID);
  assert.match(String(data.secret_id_accessor), UUID);
  assert.notEqual(data.secret_id, data.secret_id_accessor);
  assert.equal(data.secret_id_num_uses, 1);
  assert.equal(data.secret_id_ttl, 600);
  assert.equal(r?.wrappedAccessor, data.secret_id_accessor);
});

test('generate: the plaintext secret ID is stored nowhere', async () => {
  const f = await approle();
  await createRole(f, 'r');
  const s = await newSecretId(f, 'r', { metadata: '{"job":"deploy"}' });
  const dump = (await f.storage.scan('')).map((e) => e.key + new TextDecoder().decode(e.value)).join('\n');
  assert.ok(!dump.includes(s.secret_id));
  assert.ok(!dump.split('\n').some((line) => line.startsWith('accessor/') && line.includes(s.secret_id_accessor)));
});

test('generate: unknown role 404, bind_secret_id=false 400', async () => {
  const f = await approle();
  assertError(await f.fail('update', 'role/Nope/secret-id'), 404, 'role "Nope" does not exist');
  await createRole(f, 'nobind', { bind_secret_id: false, secret_id_bound_cidrs: '10.0.0.0/8' });
  assertError(await f.fail('update', 'role/nobind/secret-id'), 400, 'bind_secret_id is not set on the role');
});

test('generate: num_uses and ttl against the role limits', async () => {
  const f = await approle();
  await createRole(f, 'lim', { secret_id_num_uses: 5, secret_id_ttl: 600 });
  assertError(await f.fail('update', 'role/lim/secret-id', { num_uses: -1 }), 400, 'num_uses cannot be negative');
  assertError(await f.fail('update', 'role/lim/secret-id', { num_uses: 0 }), 400, "num_uses cannot be higher than the role's secret_id_num_uses");
  assertError(await f.fail('update', 'role/lim/secret-id', { num_uses: 6 }), 400, "num_uses cannot be higher than the role's secret_id_num_uses");
  assertError(await f.fail('update', 'role/lim/secret-id', { ttl: 0 }), 400, "ttl cannot be longer than the role's secret_id_ttl");
  assertError(await f.fail('update', 'role/lim/secret-id', { ttl: '11m' }), 400, "ttl cannot be longer than the role's secret_id_ttl");
  const s = await newSecretId(f, 'lim', { num_uses: 2, ttl: '5m' });
  assert.equal(s.secret_id_num_uses, 2);
  assert.equal(s.secret_id_ttl, 300);

  await createRole(f, 'free');
  const u = await newSecretId(f, 'free', { num_uses: 9, ttl: 60 });
  assert.equal(u.secret_id_num_uses, 9);
  assert.equal(u.secret_id_ttl, 60);
  const d = await newSecretId(f, 'free');
  assert.equal(d.secret_id_num_uses, 0);
  assert.equal(d.secret_id_ttl, 0);
});

test('generate: a TTL above the mount max is clamped to it', async () => {
  const f = await approle({ maxTTL: 3600 });
  await createRole(f, 'r');
  const s = await newSecretId(f, 'r', { ttl: '2h' });
  assert.equal(s.secret_id_ttl, 3600);
  const look = await f.call('update', 'role/r/secret-id/lookup', { secret_id: s.secret_id });
  assert.equal(look?.data?.expiration_time, '2024-06-10T08:13:20.418Z');
});

test('generate: metadata as JSON string, base64, k=v pairs and object; bad metadata rejected', async () => {
  const f = await approle();
  await createRole(f, 'm');
  const lookupMeta = async (secretId: string) => (await f.call('update', 'role/m/secret-id/lookup', { secret_id: secretId }))?.data?.metadata;
  const a = await newSecretId(f, 'm', { metadata: '{"job":"deploy-api","Run":"7"}' });
  assert.deepEqual(await lookupMeta(a.secret_id), { job: 'deploy-api', Run: '7' });
  const b = await newSecretId(f, 'm', { metadata: Buffer.from('{"job":"b64"}').toString('base64') });
  assert.deepEqual(await lookupMeta(b.secret_id), { job: 'b64' });
  const c = await newSecretId(f, 'm', { metadata: 'Job=Deploy, env=prod' });
  assert.deepEqual(await lookupMeta(c.secret_id), { job: 'deploy', env: 'prod' });
  const d = await newSecretId(f, 'm', { metadata: { job: 'object' } });
  assert.deepEqual(await lookupMeta(d.secret_id), { job: 'object' });
  assertError(
    await f.fail('update', 'role/m/secret-id', { metadata: 'novalue' }),
    400,
    'failed to parse metadata: failed to parse the input: invalid <key,value> format',
  );
  assertError(await f.fail('update', 'role/m/secret-id', { metadata: '{"a":""}' }), 400, 'failed to parse metadata: invalid value for key "a"');
  assertError(await f.fail('update', 'role/m/secret-id', { metadata: { a: 1 } }), 400, 'failed to parse metadata: value of key "a" is not a string');
});

test('generate: cidr_list and token_bound_cidrs must be valid and inside the role’s', async () => {
  const f = await approle();
  await createRole(f, 'c', { secret_id_bound_cidrs: '10.0.0.0/8', token_bound_cidrs: '10.1.0.0/16,10.9.9.9' });
  assertError(await f.fail('update', 'role/c/secret-id', { cidr_list: 'bad' }), 400, 'failed to validate CIDR blocks');
  assertError(await f.fail('update', 'role/c/secret-id', { token_bound_cidrs: '10.1.0.1' }), 400, 'failed to validate token CIDR blocks');
  assertError(
    await f.fail('update', 'role/c/secret-id', { cidr_list: '192.168.0.0/24' }),
    500,
    'failed to verify subset relationship between CIDR blocks on the role ["10.0.0.0/8"] and CIDR blocks on the secret ID ["192.168.0.0/24"]: %!w(<nil>)',
  );
  assertError(
    await f.fail('update', 'role/c/secret-id', { cidr_list: '0.0.0.0/0' }),
    500,
    'failed to verify subset relationship between CIDR blocks on the role ["10.0.0.0/8"] and CIDR blocks on the secret ID ["0.0.0.0/0"]: %!w(<nil>)',
  );
  assertError(
    await f.fail('update', 'role/c/secret-id', { token_bound_cidrs: '10.2.0.0/24' }),
    500,
    'failed to verify subset relationship between CIDR blocks on the role ["10.1.0.0/16" "10.9.9.9/32"] and CIDR blocks on the secret ID ["10.2.0.0/24"]: %!w(<nil>)',
  );
  const s = await newSecretId(f, 'c', { cidr_list: ['10.5.0.0/16'], token_bound_cidrs: '10.1.2.0/24,10.9.9.9/32' });
  const look = await f.call('update', 'role/c/secret-id/lookup', { secret_id: s.secret_id });
  assert.deepEqual(look?.data?.cidr_list, ['10.5.0.0/16']);
  assert.deepEqual(look?.data?.token_bound_cidrs, ['10.1.2.0/24', '10.9.9.9/32']);
});

test('custom-secret-id: registers the given value; duplicates and missing value rejected', async () => {
  const f = await approle();
  await createRole(f, 'c', { secret_id_ttl: 60 });
  const r = await f.call('update', 'role/c/custom-secret-id', { secret_id: 'my-own-secret', metadata: 'a=b' });
  assert.equal(r?.data?.secret_id, 'my-own-secret');
  assert.equal(r?.data?.secret_id_ttl, 60);
  assert.equal(r?.wrappedAccessor, r?.data?.secret_id_accessor);
  assertError(
    await f.fail('update', 'role/c/custom-secret-id', { secret_id: 'my-own-secret' }),
    500,
    'failed to store secret_id: SecretID is already registered',
  );
  assertError(await f.fail('update', 'role/c/custom-secret-id', {}), 400, 'missing secret_id');
  assertError(
    await f.fail('update', 'role/c/custom-secret-id', { secret_id: 'x'.repeat(4097) }),
    400,
    'failed to store secret_id: failed to create HMAC of secret ID: value is longer than maximum of 4096 bytes',
  );
  assertError(await f.fail('update', 'role/none/custom-secret-id', { secret_id: 'z' }), 404, 'role "none" does not exist');
  const look = await f.call('update', 'role/c/secret-id/lookup', { secret_id: 'my-own-secret' });
  assert.deepEqual(look?.data?.metadata, { a: 'b' });
});

test('secret-id LIST: accessors, 404 when none, 400 for unknown role; expired ones hidden', async () => {
  const f = await approle();
  await createRole(f, 'l');
  assert.equal(await f.call('list', 'role/l/secret-id/'), undefined);
  const a = await newSecretId(f, 'l');
  const b = await newSecretId(f, 'l', { ttl: 30 });
  const r = await f.call('list', 'role/l/secret-id/');
  assert.deepEqual(r?.data?.keys, [a.secret_id_accessor, b.secret_id_accessor].sort());
  f.clock.now += 31_000;
  assert.deepEqual((await f.call('list', 'role/l/secret-id'))?.data?.keys, [a.secret_id_accessor]);
  assertError(await f.fail('list', 'role/Other/secret-id/'), 400, 'role "Other" does not exist');
});

test('secret-id/lookup: 5.6 data; 204 when unknown; errors', async () => {
  const f = await approle();
  await createRole(f, 'k', { secret_id_ttl: 600, secret_id_num_uses: 3 });
  const s = await newSecretId(f, 'k', { metadata: '{"job":"deploy-api"}' });
  const r = await f.call('update', 'role/k/secret-id/lookup', { secret_id: s.secret_id });
  assert.deepEqual(r?.data, {
    cidr_list: [],
    creation_time: '2024-06-10T07:13:20.418Z',
    expiration_time: '2024-06-10T07:23:20.418Z',
    last_updated_time: '2024-06-10T07:13:20.418Z',
    metadata: { job: 'deploy-api' },
    secret_id_accessor: s.secret_id_accessor,
    secret_id_num_uses: 3,
    secret_id_ttl: 600,
    token_bound_cidrs: [],
  });
  assert.equal(await f.call('update', 'role/k/secret-id/lookup', { secret_id: 'unknown' }), undefined);
  assertError(await f.fail('update', 'role/k/secret-id/lookup', {}), 400, 'missing secret_id');
  assertError(await f.fail('update', 'role/nope/secret-id/lookup', { secret_id: 'x' }), 500, 'role "nope" does not exist');

  await createRole(f, 'forever');
  const g = await newSecretId(f, 'forever');
  const look = await f.call('update', 'role/forever/secret-id/lookup/', { secret_id: g.secret_id });
  assert.equal(look?.data?.expiration_time, '0001-01-01T00:00:00Z');
  // A secret ID of another role is not found through this role.
  assert.equal(await f.call('update', 'role/k/secret-id/lookup', { secret_id: g.secret_id }), undefined);
});

test('secret-id/lookup of an expired secret ID: absent, and purged', async () => {
  const f = await approle();
  await createRole(f, 'e');
  const s = await newSecretId(f, 'e', { ttl: 10 });
  f.clock.now += 10_000;
  assert.equal(await f.call('update', 'role/e/secret-id/lookup', { secret_id: s.secret_id }), undefined);
  const keys = await f.storage.keys();
  assert.ok(!keys.some((k) => k.startsWith('secret_id/') || k.startsWith('accessor/')));
});

test('secret-id/destroy: POST and DELETE, 204 also when unknown', async () => {
  const f = await approle();
  await createRole(f, 'd');
  const a = await newSecretId(f, 'd');
  const b = await newSecretId(f, 'd');
  assert.equal(await f.call('update', 'role/d/secret-id/destroy', { secret_id: a.secret_id }), undefined);
  assert.equal(await f.call('delete', 'role/d/secret-id/destroy', { secret_id: b.secret_id }), undefined);
  assert.equal(await f.call('update', 'role/d/secret-id/destroy', { secret_id: 'unknown' }), undefined);
  assert.equal(await f.call('list', 'role/d/secret-id'), undefined);
  assert.ok(!(await f.storage.keys()).some((k) => k.startsWith('accessor/')));
  assertError(await f.fail('update', 'role/d/secret-id/destroy', {}), 400, 'missing secret_id');
  assertError(await f.fail('delete', 'role/zz/secret-id/destroy', { secret_id: 'x' }), 500, 'role "zz" does not exist');
});

test('secret-id-accessor/lookup and destroy', async () => {
  const f = await approle();
  await createRole(f, 'acc', { secret_id_num_uses: 2 });
  const s = await newSecretId(f, 'acc', { metadata: '{"k":"v"}' });
  const look = await f.call('update', 'role/acc/secret-id-accessor/lookup', { secret_id_accessor: s.secret_id_accessor });
  assert.equal(look?.data?.secret_id_accessor, s.secret_id_accessor);
  assert.deepEqual(look?.data?.metadata, { k: 'v' });
  assert.equal(look?.data?.secret_id_num_uses, 2);

  assertError(
    await f.fail('update', 'role/acc/secret-id-accessor/lookup', { secret_id_accessor: 'nope' }),
    404,
    'failed to find accessor entry for secret_id_accessor: "nope"',
  );
  assertError(await f.fail('update', 'role/acc/secret-id-accessor/lookup', {}), 400, 'missing secret_id_accessor');
  assertError(
    await f.fail('update', 'role/missing/secret-id-accessor/lookup', { secret_id_accessor: s.secret_id_accessor }),
    500,
    'role "missing" does not exist',
  );

  // Another role cannot see or destroy it.
  await createRole(f, 'other');
  assert.equal(await f.call('update', 'role/other/secret-id-accessor/lookup', { secret_id_accessor: s.secret_id_accessor }), undefined);
  assertError(await f.fail('update', 'role/other/secret-id-accessor/destroy', { secret_id_accessor: s.secret_id_accessor }), 403, 'invalid secret id accessor');

  assert.equal(await f.call('delete', 'role/acc/secret-id-accessor/destroy', { secret_id_accessor: s.secret_id_accessor }), undefined);
  assert.equal(await f.call('update', 'role/acc/secret-id/lookup', { secret_id: s.secret_id }), undefined);
  assertError(
    await f.fail('update', 'role/acc/secret-id-accessor/destroy', { secret_id_accessor: s.secret_id_accessor }),
    500,
    `failed to find accessor entry for secret_id_accessor: "${s.secret_id_accessor}"`,
  );
  assertError(await f.fail('update', 'role/acc/secret-id-accessor/destroy', {}), 400, 'missing secret_id_accessor');
  assertError(await f.fail('update', 'role/gone/secret-id-accessor/destroy', { secret_id_accessor: 'a' }), 500, 'role "gone" does not exist');
});

test('unsupported operations on secret-id paths', async () => {
  const f = await approle();
  await createRole(f, 'x');
  assertError(await f.fail('read', 'role/x/secret-id'), 405, '1 error occurred:\n\t* unsupported operation\n\n');
  assertError(await f.fail('read', 'role/x/secret-id/lookup'), 405, '1 error occurred:\n\t* unsupported operation\n\n');
  assertError(await f.fail('update', 'role/x/policies', {}), 404, '1 error occurred:\n\t* unsupported path\n\n');
});
