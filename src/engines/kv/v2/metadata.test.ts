import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CAS_IGNORED_WARNING } from './metadata.ts';
import { T0, v2 } from './test-setup.ts';

const P = 'custom_metadata validation failed';
const C0 = '2025-02-03T10:11:12.123Z';

test('read: key-level settings, versions map, timestamps; missing -> nothing', async () => {
  const h = await v2();
  assert.equal((await h.call('read', 'metadata/app')).response, undefined);
  await h.call('update', 'data/app', { data: { a: '1' } });
  h.clock.now = T0 + 1000;
  await h.call('update', 'data/app', { data: { a: '2' } });
  assert.deepEqual((await h.call('read', 'metadata/app')).response, {
    data: {
      cas_required: false,
      created_time: C0,
      current_version: 2,
      custom_metadata: null,
      delete_version_after: '0s',
      max_versions: 0,
      oldest_version: 0,
      updated_time: '2025-02-03T10:11:13.123Z',
      versions: {
        '1': { created_time: C0, deletion_time: '', destroyed: false },
        '2': { created_time: '2025-02-03T10:11:13.123Z', deletion_time: '', destroyed: false },
      },
    },
  });
});

test('write: creates metadata without a version; settings are key-level; no fields is a no-op', async () => {
  const h = await v2();
  assert.equal((await h.call('update', 'metadata/none', {})).response, undefined);
  assert.equal((await h.call('read', 'metadata/none')).response, undefined, 'no-op wrote nothing');

  const w = await h.call('update', 'metadata/app', {
    max_versions: 5,
    cas_required: true,
    delete_version_after: '3h25m19s',
    custom_metadata: { owner: 'platform', n: 3, flag: true },
  });
  assert.equal(w.operation, 'create');
  assert.equal(w.response, undefined);
  const data = (await h.call('read', 'metadata/app')).response?.data;
  assert.deepEqual(data, {
    cas_required: true,
    created_time: C0,
    current_version: 0,
    custom_metadata: { owner: 'platform', n: '3', flag: '1' },
    delete_version_after: '3h25m19s',
    max_versions: 5,
    oldest_version: 0,
    updated_time: C0,
    versions: {},
  });
  assert.equal((await h.call('update', 'metadata/app', { max_versions: 6 })).operation, 'update');
});

test('write: custom_metadata replaces the whole map and shows in data reads', async () => {
  const h = await v2();
  await h.call('update', 'metadata/app', { custom_metadata: { a: '1', b: '2' } });
  await h.call('update', 'metadata/app', { custom_metadata: { c: '3' } });
  await h.call('update', 'data/app', { data: { x: 'y' } });
  const r = await h.call('read', 'data/app');
  assert.deepEqual((r.response?.data?.metadata as Record<string, unknown>).custom_metadata, { c: '3' });
  await h.call('update', 'metadata/app', { custom_metadata: {} });
  assert.equal((await h.call('read', 'metadata/app')).response?.data?.custom_metadata, null);
});

test('write: negative delete_version_after is a field error', async () => {
  const h = await v2();
  const e = await h.fail('update', 'metadata/app', { delete_version_after: '-1h' });
  assert.equal(e.status, 400);
  assert.match(e.message, /^Field validation failed: error converting input/);
  assert.match(e.message, /cannot provide negative value/);
});

test('write: cas_required false while the mount requires CAS -> 200 warning', async () => {
  const h = await v2();
  await h.call('update', 'config', { cas_required: true });
  const w = await h.call('update', 'metadata/app', { cas_required: false });
  assert.deepEqual(w.response, { warnings: [CAS_IGNORED_WARNING] });
  assert.equal(
    CAS_IGNORED_WARNING,
    '"cas_required" set to false, but is mandated by backend config. This value will be ignored.',
  );
  assert.equal((await h.call('read', 'metadata/app')).response?.data?.cas_required, false);
});

test('custom_metadata limits are enforced with multierror messages', async () => {
  const h = await v2();
  const many: Record<string, string> = {};
  for (let i = 0; i < 65; i++) many[`k${i}`] = 'v';
  const tooMany = await h.fail('update', 'metadata/app', { custom_metadata: many });
  assert.equal(tooMany.status, 400);
  assert.equal(tooMany.message, `1 error occurred:\n\t* ${P}: payload must contain at most 64 keys, provided 65\n\n`);

  const bad = await h.fail('update', 'metadata/app', {
    custom_metadata: { ['k'.repeat(129)]: 'v', empty: '', ctl: 'a\u0007' },
  });
  assert.equal(
    bad.message,
    '3 errors occurred:\n' +
      `\t* ${P}: length of key "${'k'.repeat(129)}" is 129 but must be 0 < len(key) <= 128\n` +
      `\t* ${P}: length of value for key "empty" is 0 but must be 0 < len(value) <= 512\n` +
      `\t* ${P}: value for key "ctl" contains unprintable characters\n\n`,
  );

  const obj = await h.fail('update', 'metadata/app', { custom_metadata: { o: { nested: 'x' } } });
  assert.equal(obj.status, 400);
  assert.equal(obj.message, `${P}: '' expected type 'string', got unconvertible type 'map[string]interface {}', value: 'map[nested:x]'`);
  assert.equal((await h.call('read', 'metadata/app')).response, undefined, 'nothing written');
});

test('patch: four fields merged; custom_metadata nulls remove, others upsert; missing key -> empty 404', async () => {
  const h = await v2();
  assert.deepEqual((await h.call('patch', 'metadata/app', { max_versions: 3 })).response, {
    raw: { status: 404, contentType: 'application/json', body: '' },
  });
  await h.call('update', 'metadata/app', { max_versions: 4, cas_required: true, custom_metadata: { a: '1', b: '2' } });
  const p = await h.call('patch', 'metadata/app', { delete_version_after: '1h', custom_metadata: { a: null, c: 3 } });
  assert.equal(p.response, undefined);
  const data = (await h.call('read', 'metadata/app')).response?.data;
  assert.equal(data?.max_versions, 4);
  assert.equal(data?.cas_required, true);
  assert.equal(data?.delete_version_after, '1h0m0s');
  assert.deepEqual(data?.custom_metadata, { b: '2', c: '3' });

  await h.call('patch', 'metadata/app', { max_versions: null, custom_metadata: null });
  const cleared = (await h.call('read', 'metadata/app')).response?.data;
  assert.equal(cleared?.max_versions, 0);
  assert.equal(cleared?.custom_metadata, null);
  assert.equal(cleared?.cas_required, true);
});

test('patch: validation and the cas_required warning', async () => {
  const h = await v2();
  await h.call('update', 'metadata/app', { custom_metadata: { a: '1' } });
  const bad = await h.fail('patch', 'metadata/app', { custom_metadata: { b: '' } });
  assert.equal(bad.message, `1 error occurred:\n\t* ${P}: length of value for key "b" is 0 but must be 0 < len(value) <= 512\n\n`);
  const full: Record<string, string> = {};
  for (let i = 0; i < 64; i++) full[`k${i}`] = 'v';
  const over = await h.fail('patch', 'metadata/app', { custom_metadata: full });
  assert.equal(over.message, `1 error occurred:\n\t* ${P}: payload must contain at most 64 keys, provided 65\n\n`);
  await h.call('update', 'config', { cas_required: true });
  assert.deepEqual((await h.call('patch', 'metadata/app', { cas_required: false })).response, {
    warnings: [CAS_IGNORED_WARNING],
  });
});

test('list: direct children with folders; nothing -> nothing; root listing', async () => {
  const h = await v2();
  assert.equal((await h.call('list', 'metadata/')).response, undefined);
  for (const k of ['b', 'a', 'dir/x', 'dir/sub/y']) await h.call('update', `data/${k}`, { data: { v: '1' } });
  await h.call('update', 'metadata/c', { max_versions: 1 });
  assert.deepEqual((await h.call('list', 'metadata/')).response, { data: { keys: ['a', 'b', 'c', 'dir/'] } });
  assert.deepEqual((await h.call('list', 'metadata/dir/')).response, { data: { keys: ['sub/', 'x'] } });
  assert.equal((await h.call('list', 'metadata/nope/')).response, undefined);
});

test('list with exclude_deleted drops keys whose current version has a deletion time', async () => {
  const h = await v2();
  for (const k of ['live', 'gone', 'later', 'dir/x']) await h.call('update', `data/${k}`, { data: { v: '1' } });
  await h.call('update', 'metadata/empty', { max_versions: 1 });
  await h.call('delete', 'data/gone');
  await h.call('update', 'metadata/later', { delete_version_after: '1h' });
  await h.call('update', 'data/later', { data: { v: '2' } });
  assert.deepEqual((await h.call('list', 'metadata/', { exclude_deleted: 'true' })).response?.data?.keys, [
    'dir/',
    'empty',
    'live',
  ]);
  assert.deepEqual((await h.call('list', 'metadata/', { exclude_deleted: false })).response?.data?.keys, [
    'dir/',
    'empty',
    'gone',
    'later',
    'live',
  ]);
});

test('write and patch need a key', async () => {
  const h = await v2();
  assert.equal((await h.fail('update', 'metadata/', { max_versions: 1 })).message, 'missing path');
  assert.equal((await h.fail('patch', 'metadata/', { max_versions: 1 })).message, 'missing path');
});

test('delete: removes metadata and every version permanently; 204 when absent', async () => {
  const h = await v2();
  assert.equal((await h.call('delete', 'metadata/none')).response, undefined);
  await h.call('update', 'data/app', { data: { a: '1' } });
  await h.call('update', 'data/app', { data: { a: '2' } });
  await h.call('update', 'data/app2', { data: { keep: 'me' } });
  await h.call('delete', 'metadata/app');
  assert.equal((await h.call('read', 'metadata/app')).response, undefined);
  assert.equal((await h.call('read', 'data/app', { version: 1 })).response, undefined);
  const left = await h.storage.keys();
  assert.equal(left.filter((k) => k.startsWith('versions/')).length, 1, 'only app2 data left');
  assert.deepEqual(left.filter((k) => k.startsWith('meta/')), ['meta/app2']);
  assert.equal((await h.call('update', 'data/app', { data: { a: '3' } })).response?.data?.version, 1, 'starts over');
});

test('pruning through writes: oldest_version and effective max_versions', async () => {
  const h = await v2();
  const oldest: number[] = [];
  for (let i = 1; i <= 12; i++) {
    await h.call('update', 'data/k', { data: { i: String(i) } });
    oldest.push(Number((await h.call('read', 'metadata/k')).response?.data?.oldest_version));
  }
  assert.deepEqual(oldest, [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3]);
  const meta = (await h.call('read', 'metadata/k')).response?.data as { versions: Record<string, unknown> };
  assert.deepEqual(Object.keys(meta.versions), ['3', '4', '5', '6', '7', '8', '9', '10', '11', '12']);
  assert.equal((await h.call('read', 'data/k', { version: 2 })).response, undefined);
  assert.equal((await h.storage.keys()).filter((k) => k.startsWith('versions/')).length, 10);

  // mount 3, key 5 -> 5
  await h.call('update', 'config', { max_versions: 3 });
  await h.call('update', 'metadata/m', { max_versions: 5 });
  for (let i = 0; i < 7; i++) await h.call('update', 'data/m', { data: { i: String(i) } });
  let m = (await h.call('read', 'metadata/m')).response?.data as { versions: Record<string, unknown>; oldest_version: number };
  assert.deepEqual(Object.keys(m.versions), ['3', '4', '5', '6', '7']);
  assert.equal(m.oldest_version, 3);
  // mount 3, key 2 -> 3
  await h.call('update', 'metadata/m', { max_versions: 2 });
  await h.call('update', 'data/m', { data: { i: 'x' } });
  m = (await h.call('read', 'metadata/m')).response?.data as typeof m;
  assert.deepEqual(Object.keys(m.versions), ['6', '7', '8']);
  assert.equal(m.oldest_version, 6);
});

test('delete_version_after: min non-zero of mount and key; mount negative disables', async () => {
  const h = await v2();
  await h.call('update', 'metadata/k', { delete_version_after: '30m' });
  let w = await h.call('update', 'data/k', { data: { a: 'b' } });
  assert.equal(w.response?.data?.deletion_time, '2025-02-03T10:41:12.123Z', 'key only');
  await h.call('update', 'config', { delete_version_after: '10m' });
  w = await h.call('update', 'data/k', { data: { a: 'b' } });
  assert.equal(w.response?.data?.deletion_time, '2025-02-03T10:21:12.123Z', 'mount smaller');
  await h.call('update', 'config', { delete_version_after: '2h' });
  w = await h.call('update', 'data/k', { data: { a: 'b' } });
  assert.equal(w.response?.data?.deletion_time, '2025-02-03T10:41:12.123Z', 'key smaller');
  await h.call('update', 'config', { delete_version_after: '-1s' });
  w = await h.call('update', 'data/k', { data: { a: 'b' } });
  assert.equal(w.response?.data?.deletion_time, '', 'mount disables');
  await h.call('update', 'config', { delete_version_after: 0 });
  await h.call('update', 'metadata/k', { delete_version_after: 0 });
  w = await h.call('update', 'data/k', { data: { a: 'b' } });
  assert.equal(w.response?.data?.deletion_time, '', 'both cleared');
});
