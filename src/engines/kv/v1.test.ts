import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createKvBackend } from './backend.ts';
import { harness, render, testMount } from './test-harness.ts';
import { storedTTL } from './v1.ts';

const v1 = (defaultTTL?: number) => harness(createKvBackend, testMount('kv/', 'kv', { version: '1' }, defaultTTL));

test('write then read: data verbatim, lease_duration from the mount default', async () => {
  const h = await v1();
  const w = await h.call('update', 'app/db', { user: 'ci', password: 's3cr3t' });
  assert.equal(w.operation, 'create', 'a new key is a create');
  assert.equal(w.response, undefined, '204');
  const r = await h.call('read', 'app/db');
  assert.deepEqual(r.response, { data: { user: 'ci', password: 's3cr3t' }, leaseDuration: 2764800 });
  const again = await h.call('update', 'app/db', { user: 'ci2' });
  assert.equal(again.operation, 'update', 'an existing key is an update');
  assert.deepEqual((await h.call('read', 'app/db')).response?.data, { user: 'ci2' }, 'whole object replaced');
});

test('a tuned mount default TTL is reported', async () => {
  const h = await v1(3600);
  await h.call('update', 'k', { a: 'b' });
  assert.equal((await h.call('read', 'k')).response?.leaseDuration, 3600);
});

test('lease_duration from ttl, else legacy lease; unparsable falls back to the default', async () => {
  const h = await v1();
  await h.call('update', 'a', { user: 'ci', ttl: '1h' });
  assert.equal((await h.call('read', 'a')).response?.leaseDuration, 3600);
  await h.call('update', 'b', { lease: '30m' });
  assert.equal((await h.call('read', 'b')).response?.leaseDuration, 1800);
  await h.call('update', 'c', '{"ttl": 90, "lease": "1h"}');
  assert.equal((await h.call('read', 'c')).response?.leaseDuration, 90);
  await h.call('update', 'd', { ttl: 'soon' });
  assert.equal((await h.call('read', 'd')).response?.leaseDuration, 2764800);
  await h.call('update', 'e', { ttl: '2d' });
  assert.equal((await h.call('read', 'e')).response?.leaseDuration, 172800);
});

test('storedTTL parsing', () => {
  assert.equal(storedTTL('1h30m'), 5400);
  assert.equal(storedTTL('3600'), 3600);
  assert.equal(storedTTL(60), 60);
  assert.equal(storedTTL('1.5'), undefined);
  assert.equal(storedTTL(true), undefined);
  assert.equal(storedTTL('-5s'), undefined);
});

test('missing key reads as nothing (404); empty write is rejected', async () => {
  const h = await v1();
  assert.equal((await h.call('read', 'nope')).response, undefined);
  const e = await h.fail('update', 'k', {});
  assert.equal(e.status, 400);
  assert.equal(e.message, 'missing data fields');
  const root = await h.fail('update', '', { a: 'b' });
  assert.equal(root.message, 'missing path');
});

test('list: direct children, folders with a trailing slash, sorted; nothing -> 404', async () => {
  const h = await v1();
  for (const k of ['b', 'a', 'dir/x', 'dir/y/z', 'other/q']) await h.call('update', k, { v: '1' });
  assert.deepEqual((await h.call('list', '')).response, { data: { keys: ['a', 'b', 'dir/', 'other/'] } });
  assert.deepEqual((await h.call('list', 'dir/')).response, { data: { keys: ['x', 'y/'] } });
  assert.equal((await h.call('list', 'empty/')).response, undefined);
});

test('delete: 204 even when absent', async () => {
  const h = await v1();
  await h.call('update', 'k', { a: 'b' });
  assert.equal((await h.call('delete', 'k')).response, undefined);
  assert.equal((await h.call('read', 'k')).response, undefined);
  assert.equal((await h.call('delete', 'never')).response, undefined);
});

test('patch is unsupported (405)', async () => {
  const h = await v1();
  await h.call('update', 'k', { a: 'b' });
  const e = await h.fail('patch', 'k', { a: 'c' });
  assert.equal(e.status, 405);
  assert.equal(e.message, '1 error occurred:\n\t* unsupported operation\n\n');
});

test('unknown fields are data, not warnings', async () => {
  const h = await v1();
  await h.call('update', 'k', { anything: 'x', nested: { deep: [1, 2] } });
  const r = await h.call('read', 'k');
  assert.equal(r.response?.warnings, undefined);
  assert.deepEqual(r.response?.data, { anything: 'x', nested: { deep: [1, 2] } });
});

test('numbers round-trip verbatim', async () => {
  const h = await v1();
  await h.call('update', 'n', '{"big": 12345678901234567890, "one": 1.0, "exp": 1e3, "plain": 42}');
  const r = await h.call('read', 'n');
  assert.equal(render(r.response?.data), '{"big":12345678901234567890,"one":1.0,"exp":1e3,"plain":42}');
});

test('keys with .. are refused', async () => {
  const h = await v1();
  const e = await h.fail('update', 'a..b', { a: 'b' });
  assert.equal(e.status, 400);
  assert.equal(e.message, 'relative paths not supported');
});

test('a version-less mount (options null) is version 1', async () => {
  const h = await harness(createKvBackend, testMount('kv/', 'kv', null));
  await h.call('update', 'k', { a: 'b' });
  assert.deepEqual((await h.call('read', 'k')).response?.data, { a: 'b' });
  assert.deepEqual(await h.storage.keys(), ['v1/k']);
});
