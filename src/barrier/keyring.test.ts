import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Keyring, rfc3339Nano } from './keyring.ts';

test('a new keyring has term 1 with a 32-byte key', () => {
  const k = Keyring.create(1_700_000_000_000);
  assert.equal(k.activeTerm.term, 1);
  assert.equal(k.activeTerm.key.length, 32);
  assert.equal(k.activeTerm.encryptions, 0);
  assert.equal(k.size, 1);
});

test('rotation adds term active+1, keeps old terms, leaves the original unchanged', () => {
  const k1 = Keyring.create();
  const k2 = k1.rotated();
  const k3 = k2.rotated();
  assert.equal(k1.activeTerm.term, 1);
  assert.equal(k1.size, 1);
  assert.equal(k3.activeTerm.term, 3);
  assert.equal(k3.size, 3);
  assert.deepEqual(k3.key(1), k1.key(1));
  assert.notDeepEqual(k3.key(3), k3.key(2));
  assert.equal(k3.key(4), undefined);
});

test('serialise / deserialise round trip with counts and install times', () => {
  const k = Keyring.create(1_700_000_000_123.456).rotated(1_700_000_100_000.5);
  k.countEncryption();
  k.countEncryption();
  const back = Keyring.deserialize(k.serialize());
  assert.equal(back.activeTerm.term, 2);
  assert.equal(back.activeTerm.encryptions, 2);
  assert.equal(back.activeTerm.installTime, 1_700_000_100_000.5);
  assert.deepEqual(back.key(1), k.key(1));
  assert.deepEqual(back.key(2), k.key(2));
});

test('deserialise rejects malformed input', () => {
  assert.throws(() => Keyring.deserialize(Buffer.from('garbage')), /keyring/);
  const good = Keyring.create().serialize();
  assert.throws(() => Keyring.deserialize(good.subarray(0, good.length - 1)), /malformed/);
  const wrongActive = Buffer.from(good);
  wrongActive.writeUInt32BE(9, 1);
  assert.throws(() => Keyring.deserialize(wrongActive), /no active term 9/);
});

test('wipe zeroes the keys', () => {
  const k = Keyring.create();
  const key = k.activeTerm.key;
  k.wipe();
  assert.ok(key.every((b) => b === 0));
  assert.equal(k.key(1), undefined);
});

test('rfc3339Nano trims trailing zeros like Go', () => {
  assert.equal(rfc3339Nano(Date.UTC(2025, 0, 2, 3, 4, 5)), '2025-01-02T03:04:05Z');
  assert.equal(rfc3339Nano(Date.UTC(2025, 0, 2, 3, 4, 5, 120)), '2025-01-02T03:04:05.12Z');
  assert.equal(rfc3339Nano(Date.UTC(2025, 0, 2, 3, 4, 5, 1) + 0.5), '2025-01-02T03:04:05.0015Z');
});
