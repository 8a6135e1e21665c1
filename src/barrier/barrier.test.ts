import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { isKeepError } from '../errors.ts';
import { MemoryPhysical } from '../storage/memory.ts';
import { termOf } from './aes-gcm.ts';
import { Barrier, InvalidRootKeyError, KEYRING_PATH } from './barrier.ts';

const text = (v: Uint8Array | undefined) => (v === undefined ? undefined : Buffer.from(v).toString('utf8'));
const isSealedError = (e: unknown) => isKeepError(e) && e.status === 503 && e.message === 'Vault is sealed';

async function unsealedBarrier() {
  const physical = new MemoryPhysical();
  const rootKey = randomBytes(32);
  const barrier = new Barrier(physical);
  await barrier.initialize(rootKey);
  assert.equal(barrier.sealed, true, 'initialize leaves the barrier sealed');
  await barrier.unseal(rootKey);
  return { physical, rootKey, barrier };
}

test('a sealed barrier refuses every encrypted operation', async () => {
  const b = new Barrier(new MemoryPhysical());
  assert.equal(b.sealed, true);
  await assert.rejects(b.get('a'), isSealedError);
  await assert.rejects(b.put('a', Buffer.from('x')), isSealedError);
  await assert.rejects(b.delete('a'), isSealedError);
  await assert.rejects(b.list(''), isSealedError);
  await assert.rejects(b.scan(''), isSealedError);
  await assert.rejects(b.transaction([]), isSealedError);
  await assert.rejects(b.rotate(), isSealedError);
  assert.throws(() => b.keyStatus(), isSealedError);
  await assert.rejects(b.view('logical/x/').get('k'), isSealedError);
});

test('initialize, unseal, seal, and unseal again', async () => {
  const { physical, rootKey, barrier } = await unsealedBarrier();
  assert.equal(await barrier.initialized(), true);
  await barrier.put('logical/m/k', Buffer.from('secret value'));
  assert.equal(text(await barrier.get('logical/m/k')), 'secret value');
  assert.equal(await barrier.get('logical/m/missing'), undefined);
  barrier.seal();
  assert.equal(barrier.sealed, true);
  await assert.rejects(barrier.get('logical/m/k'), isSealedError);
  await barrier.unseal(rootKey);
  assert.equal(text(await barrier.get('logical/m/k')), 'secret value');
  // values at rest are encrypted, with the term in the header
  const raw = await physical.get('logical/m/k');
  assert.ok(raw !== undefined && Buffer.from(raw).indexOf('secret value') < 0);
  assert.equal(termOf(raw), 1);
  // the keyring is stored, not in clear
  const keyring = await physical.get(KEYRING_PATH);
  assert.ok(keyring !== undefined && keyring.length > 33);
});

test('initialize twice fails; unseal before initialize fails', async () => {
  const { barrier } = await unsealedBarrier();
  await assert.rejects(barrier.initialize(randomBytes(32)), /already initialized/);
  await assert.rejects(new Barrier(new MemoryPhysical()).unseal(randomBytes(32)), /not initialized/);
  await assert.rejects(new Barrier(new MemoryPhysical()).initialize(randomBytes(16)), /32 bytes/);
});

test('a wrong root key does not unseal', async () => {
  const physical = new MemoryPhysical();
  const b = new Barrier(physical);
  await b.initialize(randomBytes(32));
  await assert.rejects(b.unseal(randomBytes(32)), InvalidRootKeyError);
  await assert.rejects(b.unseal(randomBytes(31)), InvalidRootKeyError);
  assert.equal(b.sealed, true);
});

test('a value moved to another key fails to decrypt', async () => {
  const { physical, barrier } = await unsealedBarrier();
  await barrier.put('logical/a/secret', Buffer.from('mine'));
  const raw = await physical.get('logical/a/secret');
  assert.ok(raw);
  await physical.put('logical/b/secret', raw);
  await assert.rejects(barrier.get('logical/b/secret'), /message authentication failed/);
  // and through views: one mount cannot read another's copied entry
  await physical.put('logical/b/copy', raw);
  await assert.rejects(barrier.view('logical/b/').get('copy'), /message authentication failed/);
});

test('delete, list, scan and transaction go through the barrier', async () => {
  const { physical, barrier } = await unsealedBarrier();
  await barrier.transaction([
    { op: 'put', key: 's/a', value: Buffer.from('1') },
    { op: 'put', key: 's/b/c', value: Buffer.from('2') },
    { op: 'put', key: 's/d', value: Buffer.from('3') },
  ]);
  assert.deepEqual(await barrier.list('s/'), ['a', 'b/', 'd']);
  const entries = await barrier.scan('s/', { after: 's/a', limit: 5 });
  assert.deepEqual(entries.map((e) => [e.key, text(e.value)]), [['s/b/c', '2'], ['s/d', '3']]);
  await barrier.transaction([{ op: 'delete', key: 's/a' }, { op: 'put', key: 's/e', value: Buffer.from('4') }]);
  await barrier.delete('s/d');
  assert.deepEqual(await barrier.list('s/'), ['b/', 'e']);
  const raw = await physical.get('s/e');
  assert.ok(raw && Buffer.from(raw).indexOf('4') !== raw.length - 1);
});

test('seal entries are reserved', async () => {
  const { barrier } = await unsealedBarrier();
  for (const key of ['core/keyring', 'core/seal-config', 'core/root-key', 'core/recovery-verifier']) {
    await assert.rejects(barrier.put(key, Buffer.from('x')), /reserved/);
    await assert.rejects(barrier.delete(key), /reserved/);
    await assert.rejects(barrier.transaction([{ op: 'delete', key }]), /reserved/);
  }
  await barrier.put('core/mounts', Buffer.from('ok'));
});

test('keyStatus counts encryptions under the active term', async () => {
  const { barrier } = await unsealedBarrier();
  const s0 = barrier.keyStatus();
  assert.equal(s0.term, 1);
  assert.equal(s0.encryptions, 0);
  assert.match(s0.install_time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/);
  await barrier.put('a', Buffer.from('1'));
  await barrier.put('b', Buffer.from('2'));
  await barrier.transaction([
    { op: 'put', key: 'c', value: Buffer.from('3') },
    { op: 'delete', key: 'a' },
    { op: 'put', key: 'd', value: Buffer.from('4') },
  ]);
  await barrier.get('b');
  assert.equal(barrier.keyStatus().encryptions, 4);
  await barrier.rotate();
  assert.deepEqual({ ...barrier.keyStatus(), install_time: '' }, { term: 2, install_time: '', encryptions: 0 });
});

test('rotate keeps old data readable, new writes use the new term, and persists', async () => {
  const { physical, rootKey, barrier } = await unsealedBarrier();
  await barrier.put('old', Buffer.from('written under term 1'));
  await barrier.rotate();
  await barrier.rotate();
  assert.equal(barrier.keyStatus().term, 3);
  await barrier.put('new', Buffer.from('written under term 3'));
  const rawOld = await physical.get('old');
  const rawNew = await physical.get('new');
  assert.ok(rawOld && rawNew);
  assert.equal(termOf(rawOld), 1);
  assert.equal(termOf(rawNew), 3);
  assert.equal(text(await barrier.get('old')), 'written under term 1');
  // a restart (new barrier on the same storage) sees every term
  const again = new Barrier(physical);
  await again.unseal(rootKey);
  assert.equal(again.keyStatus().term, 3);
  assert.equal(text(await again.get('old')), 'written under term 1');
  assert.equal(text(await again.get('new')), 'written under term 3');
});

test('a barrier reloads the keyring when another instance rotated', async () => {
  const { physical, rootKey, barrier: a } = await unsealedBarrier();
  const b = new Barrier(physical);
  await b.unseal(rootKey);
  await a.rotate();
  await a.put('k', Buffer.from('term 2 value'));
  assert.equal(b.keyStatus().term, 1);
  assert.equal(text(await b.get('k')), 'term 2 value');
  assert.equal(b.keyStatus().term, 2);
  // b rotating next starts from the stored keyring: term 3, not a second term 2
  await a.rotate();
  await b.rotate();
  assert.equal(b.keyStatus().term, 4);
  const c = new Barrier(physical);
  await c.unseal(rootKey);
  assert.equal(text(await c.get('k')), 'term 2 value');
});

test('concurrent rotations are serialised', async () => {
  const { barrier } = await unsealedBarrier();
  await Promise.all([barrier.rotate(), barrier.rotate(), barrier.rotate()]);
  assert.equal(barrier.keyStatus().term, 4);
});

test('views: relative keys, JSON, sub-views, transactions, scan', async () => {
  const { physical, barrier } = await unsealedBarrier();
  const v = barrier.view('logical/uuid-1/');
  await v.put('raw', Buffer.from('bytes'));
  await v.putJSON('cfg', { a: 1, b: ['x'] });
  assert.equal(text(await v.get('raw')), 'bytes');
  assert.deepEqual(await v.getJSON('cfg'), { a: 1, b: ['x'] });
  assert.equal(await v.getJSON('missing'), undefined);
  assert.ok(await physical.get('logical/uuid-1/cfg'));
  const sub = v.sub('data/');
  await sub.transaction([
    { op: 'put', key: 'one', value: { json: { n: 1 } } },
    { op: 'put', key: 'two', value: Buffer.from('2') },
    { op: 'put', key: 'dir/three', value: { json: 3 } },
  ]);
  assert.deepEqual(await v.list(''), ['cfg', 'data/', 'raw']);
  assert.deepEqual(await sub.list(''), ['dir/', 'one', 'two']);
  assert.deepEqual(await v.getJSON('data/one'), { n: 1 });
  const page = await v.scan('data/', { limit: 2 });
  assert.deepEqual(page.map((e) => e.key), ['data/dir/three', 'data/one']);
  const next = await v.scan('data/', { after: page[1].key });
  assert.deepEqual(next.map((e) => e.key), ['data/two']);
  assert.deepEqual((await sub.scan('')).map((e) => e.key), ['dir/three', 'one', 'two']);
  await sub.transaction([{ op: 'delete', key: 'one' }]);
  await v.delete('raw');
  assert.deepEqual(await v.list(''), ['cfg', 'data/']);
  assert.throws(() => v.sub('nope'), /must end in/);
  assert.throws(() => barrier.view('nope'), /must end in/);
  await assert.rejects(v.putJSON('u', undefined), /JSON/);
});
