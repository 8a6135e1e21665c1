/** The engines over the real encrypted barrier view (the fake view's assumptions hold there). */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { Barrier } from '../../barrier/barrier.ts';
import type { StorageView } from '../../framework/types.ts';
import { MemoryPhysical } from '../../storage/memory.ts';
import { createCubbyholeBackend, destroyCubbyhole } from '../cubbyhole/backend.ts';
import { createKvBackend, upgradeKvV1ToV2 } from './backend.ts';
import { harness, render, testCaller, testMount } from './test-harness.ts';

async function barrierView(prefix: string): Promise<StorageView> {
  const rootKey = randomBytes(32);
  const barrier = new Barrier(new MemoryPhysical());
  await barrier.initialize(rootKey);
  await barrier.unseal(rootKey);
  return barrier.view(prefix);
}

test('KV v1 -> upgrade -> v2 over the barrier, with deletes and pruning', async () => {
  const storage = await barrierView('logical/0001/');
  const v1 = await harness(createKvBackend, testMount('kv/', 'kv', { version: '1' }), storage);
  await v1.call('update', 'app', '{"n": 12345678901234567890, "f": 1.0}');
  await upgradeKvV1ToV2(storage);
  const v2 = await harness(createKvBackend, testMount('kv/', 'kv', { version: '2' }), storage);
  for (let i = 0; i < 11; i++) await v2.call('update', 'data/app', { data: { i: String(i) } });
  const meta = (await v2.call('read', 'metadata/app')).response?.data;
  assert.equal(meta?.current_version, 12);
  assert.equal(meta?.oldest_version, 3);
  await v2.call('update', 'metadata/app', { max_versions: 20 });
  await v2.call('delete', 'metadata/app');
  assert.equal((await v2.call('read', 'metadata/app')).response, undefined);
  assert.deepEqual(await storage.scan(''), []);
  await v2.call('update', 'data/n', '{"data": {"n": 12345678901234567890, "f": 1.0}}');
  assert.equal(render((await v2.call('read', 'data/n')).response?.data?.data), '{"n":12345678901234567890,"f":1.0}');
});

test('cubbyhole over the barrier', async () => {
  const storage = await barrierView('logical/0002/');
  const h = await harness(createCubbyholeBackend, testMount('cubbyhole/', 'cubbyhole', null), storage);
  const alice = testCaller('c-alice');
  await h.call('update', 'a/b', { x: 'y' }, alice);
  assert.deepEqual((await h.call('read', 'a/b', {}, alice)).response?.data, { x: 'y' });
  assert.deepEqual((await h.call('list', '', {}, alice)).response?.data?.keys, ['a/']);
  await destroyCubbyhole(storage, 'c-alice');
  assert.deepEqual(await storage.scan(''), []);
});
