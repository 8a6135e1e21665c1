import { test } from 'node:test';
import assert from 'node:assert/strict';
import { approle, createRole, newSecretId } from './test-setup.ts';
import { TIDY_RUNNING, TIDY_STARTED } from './tidy.ts';

const secretKeys = async (keys: Promise<string[]>) => (await keys).filter((k) => k.startsWith('secret_id/'));
const accessorKeys = async (keys: Promise<string[]>) => (await keys).filter((k) => k.startsWith('accessor/'));

test('tidy/secret-id: 202 with warning; removes expired secret IDs and their accessors only', async () => {
  const f = await approle();
  await createRole(f, 'a');
  const keep = await newSecretId(f, 'a');
  const keepShort = await newSecretId(f, 'a', { ttl: 120 });
  await newSecretId(f, 'a', { ttl: 30 });
  await newSecretId(f, 'a', { ttl: 60 });
  f.clock.now += 60_000;

  const r = await f.call('update', 'tidy/secret-id');
  assert.equal(r?.status, 202);
  assert.deepEqual(r?.warnings, [TIDY_STARTED]);
  const result = await f.backend.tidySecretIds();
  assert.deepEqual(result, { secretIds: 2, accessors: 0 }, 'joins the run the request started');

  assert.equal((await secretKeys(f.storage.keys())).length, 2);
  assert.equal((await accessorKeys(f.storage.keys())).length, 2);
  const listed = (await f.call('list', 'role/a/secret-id'))?.data?.keys;
  assert.deepEqual(listed, [keep.secret_id_accessor, keepShort.secret_id_accessor].sort());
});

test('tidy: a second request while one runs gets the in-progress warning', async () => {
  const f = await approle();
  await createRole(f, 'a');
  await newSecretId(f, 'a');
  let release!: () => void;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  f.storage.beforeGet = () => gate;
  const first = await f.call('update', 'tidy/secret-id');
  assert.equal(first?.status, 202);
  const second = await f.call('update', 'tidy/secret-id');
  assert.equal(second?.status, undefined);
  assert.deepEqual(second?.warnings, [TIDY_RUNNING]);
  release();
  f.storage.beforeGet = undefined;
  await f.backend.tidySecretIds();
  const third = await f.call('update', 'tidy/secret-id');
  assert.equal(third?.status, 202);
  await f.backend.tidySecretIds();
});

test('tidy: secret IDs of vanished roles and accessors without a secret ID', async () => {
  const f = await approle();
  await createRole(f, 'live');
  await createRole(f, 'dead');
  const live = await newSecretId(f, 'live');
  await newSecretId(f, 'live');
  await newSecretId(f, 'dead');
  const deadRole = await f.storage.getJSON<{ hmac_key: string }>('role/dead');
  assert.ok(deadRole);
  // Simulate leftovers: the role entry vanished without its secret IDs (another node, a crash).
  await f.storage.delete('role/dead');
  // An accessor index pointing nowhere.
  await f.storage.putJSON('accessor/deadbeef', { secret_id_hmac: 'nope', role_name_hmac: 'nope' });
  f.clock.now += 1000;

  const before = await secretKeys(f.storage.keys());
  assert.equal(before.length, 3);
  const result = await f.backend.tidySecretIds();
  assert.deepEqual(result, { secretIds: 1, accessors: 1 });
  assert.equal((await secretKeys(f.storage.keys())).length, 2);
  assert.equal((await accessorKeys(f.storage.keys())).length, 2);
  const listed = (await f.call('list', 'role/live/secret-id'))?.data?.keys as string[];
  assert.ok(listed.includes(live.secret_id_accessor));
});

test('tidy removes a secret ID whose accessor is gone', async () => {
  const f = await approle();
  await createRole(f, 'r');
  await newSecretId(f, 'r');
  const acc = (await accessorKeys(f.storage.keys()))[0];
  await f.storage.delete(acc);
  assert.deepEqual(await f.backend.tidySecretIds(), { secretIds: 1, accessors: 0 });
  assert.deepEqual(await secretKeys(f.storage.keys()), []);
});

test('tidy keeps secret IDs created after it started in a directory that had no role', async () => {
  const f = await approle();
  await createRole(f, 'r');
  await newSecretId(f, 'r');
  // The secret ID was created at the current clock; tidy starting at the same instant keeps it even
  // when it cannot see the role (e.g. the role was created after tidy listed roles).
  await f.storage.delete('role/r');
  assert.deepEqual(await f.backend.tidySecretIds(), { secretIds: 0, accessors: 0 });
  f.clock.now += 1;
  assert.deepEqual(await f.backend.tidySecretIds(), { secretIds: 1, accessors: 0 });
});

test('background work tidies once a minute', async () => {
  const f = await approle();
  await createRole(f, 'p');
  await newSecretId(f, 'p', { ttl: 10 });
  const periodic = f.backend.periodic;
  assert.ok(periodic);
  f.clock.now += 30_000;
  await periodic();
  assert.equal((await secretKeys(f.storage.keys())).length, 1, 'not yet a minute since start');
  f.clock.now += 30_000;
  await periodic();
  assert.equal((await secretKeys(f.storage.keys())).length, 0);
});
