import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createKvBackend, upgradeKvV1ToV2 } from './backend.ts';
import { harness, render, testMount } from './test-harness.ts';
import { MemoryView } from './test-storage.ts';

test('v1 keys become version 1 of the same keys in v2, numbers verbatim; twice is harmless', async () => {
  const storage = new MemoryView();
  const v1 = await harness(createKvBackend, testMount('kv/', 'kv', { version: '1' }), storage);
  await v1.call('update', 'app/db', '{"user": "ci", "big": 12345678901234567890, "one": 1.0}');
  await v1.call('update', 'top', { a: 'b' });
  for (let i = 0; i < 300; i++) await v1.call('update', `bulk/k${i}`, { i: String(i) });

  await upgradeKvV1ToV2(storage);
  await upgradeKvV1ToV2(storage);
  assert.equal((await storage.keys()).filter((k) => k.startsWith('v1/')).length, 0);

  const v2 = await harness(createKvBackend, testMount('kv/', 'kv', { version: '2' }), storage);
  const r = await v2.call('read', 'data/app/db');
  assert.equal(render(r.response?.data?.data), '{"user":"ci","big":12345678901234567890,"one":1.0}');
  assert.equal((r.response?.data?.metadata as Record<string, unknown>).version, 1);
  assert.deepEqual((await v2.call('list', 'metadata/')).response?.data?.keys, ['app/', 'bulk/', 'top']);
  assert.equal(((await v2.call('list', 'metadata/bulk/')).response?.data?.keys as string[]).length, 300);
  assert.equal((await v2.call('update', 'data/top', { data: { a: 'c' }, options: { cas: 1 } })).response?.data?.version, 2);
});

test('a v2 backend finishes an unfinished upgrade on init', async () => {
  const storage = new MemoryView();
  const v1 = await harness(createKvBackend, testMount('kv/', 'kv', { version: '1' }), storage);
  await v1.call('update', 'left', { a: 'b' });
  const v2 = await harness(createKvBackend, testMount('kv/', 'kv', { version: '2' }), storage);
  assert.deepEqual((await v2.call('read', 'data/left')).response?.data?.data, { a: 'b' });
});
