import assert from 'node:assert/strict';
import { test } from 'node:test';
import { T0, v2 } from './test-setup.ts';

type Versions = Record<string, { created_time: string; deletion_time: string; destroyed: boolean }>;

async function setup() {
  const h = await v2();
  for (let i = 1; i <= 4; i++) await h.call('update', 'data/app', { data: { v: String(i) } });
  const versions = async () => ((await h.call('read', 'metadata/app')).response?.data as { versions: Versions }).versions;
  return { h, versions };
}

test('versions are required, with the exact messages', async () => {
  const { h } = await setup();
  for (const [verb, message] of [
    ['delete', 'No version number provided'],
    ['undelete', 'No version number provided'],
    ['destroy', 'no version number provided'],
  ] as const) {
    const e = await h.fail('update', `${verb}/app`, {});
    assert.equal(e.status, 400);
    assert.equal(e.message, message);
    assert.equal((await h.fail('update', `${verb}/app`, { versions: [] })).message, message);
  }
  assert.match((await h.fail('update', 'delete/app', { versions: ['x'] })).message, /^Field validation failed/);
});

test('delete: listed versions (strings and comma lists allowed); skips missing/destroyed/already deleted', async () => {
  const { h, versions } = await setup();
  h.clock.now = T0 + 100;
  assert.equal((await h.call('update', 'delete/app', { versions: ['1', '2'] })).response, undefined);
  let v = await versions();
  assert.equal(v['1'].deletion_time, '2025-02-03T10:11:12.223Z');
  assert.equal(v['2'].deletion_time, '2025-02-03T10:11:12.223Z');
  assert.equal(v['3'].deletion_time, '');
  h.clock.now = T0 + 200;
  await h.call('update', 'destroy/app', { versions: [3] });
  await h.call('update', 'delete/app', { versions: '1,3,4,99' });
  v = await versions();
  assert.equal(v['1'].deletion_time, '2025-02-03T10:11:12.223Z', 'already deleted: kept');
  assert.equal(v['3'].deletion_time, '', 'destroyed: skipped');
  assert.equal(v['4'].deletion_time, '2025-02-03T10:11:12.323Z');
  assert.equal((await h.call('read', 'data/app', { version: 4 })).response?.raw?.status, 404);
  assert.equal((await h.call('update', 'delete/none', { versions: [1] })).response, undefined, 'missing key: 204');
});

test('undelete: clears deletion_time; destroyed stay destroyed; re-applies delete_version_after from now', async () => {
  const { h, versions } = await setup();
  h.clock.now = T0 + 100;
  await h.call('update', 'delete/app', { versions: [1, 2] });
  await h.call('update', 'destroy/app', { versions: [2] });
  h.clock.now = T0 + 200;
  await h.call('update', 'undelete/app', { versions: [1, 2] });
  let v = await versions();
  assert.equal(v['1'].deletion_time, '');
  assert.deepEqual((await h.call('read', 'data/app', { version: 1 })).response?.data?.data, { v: '1' });
  assert.equal(v['2'].destroyed, true);
  assert.equal(v['2'].deletion_time, '2025-02-03T10:11:12.223Z', 'destroyed version untouched');

  await h.call('update', 'config', { delete_version_after: '1m' });
  await h.call('update', 'delete/app', { versions: [1] });
  h.clock.now = T0 + 1000;
  await h.call('update', 'undelete/app', { versions: [1] });
  v = await versions();
  assert.equal(v['1'].deletion_time, '2025-02-03T10:12:13.123Z');
  assert.equal((await h.call('update', 'undelete/none', { versions: [1] })).response, undefined);
});

test('destroy: marks destroyed, removes the data permanently; missing key 204', async () => {
  const { h, versions } = await setup();
  await h.call('update', 'destroy/app', { versions: [1, 4, 42] });
  const v = await versions();
  assert.equal(v['1'].destroyed, true);
  assert.equal(v['4'].destroyed, true);
  assert.equal(v['2'].destroyed, false);
  assert.equal((await h.storage.keys()).filter((k) => k.startsWith('versions/')).length, 2);
  const r = (await h.call('read', 'data/app')).response;
  assert.equal(r?.raw?.status, 404, 'current version destroyed');
  await h.call('update', 'undelete/app', { versions: [4] });
  assert.equal((await versions())['4'].destroyed, true);
  assert.equal((await h.call('update', 'destroy/none', { versions: [1] })).response, undefined);
  // Soft delete of a destroyed current version is a no-op.
  assert.equal((await h.call('delete', 'data/app')).response, undefined);
  assert.equal((await versions())['4'].deletion_time, '');
});
