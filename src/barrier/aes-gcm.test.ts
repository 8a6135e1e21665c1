import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { CiphertextError, HEADER_SIZE, MIN_CIPHERTEXT_SIZE, TAG_SIZE, UnknownTermError, decrypt, encrypt, termOf } from './aes-gcm.ts';

const key = randomBytes(32);
const keys = (term: number) => (term === 7 ? key : undefined);

test('round trip, header layout and size', () => {
  const pt = Buffer.from('hello secret');
  const ct = encrypt(key, 7, pt, 'logical/abc/foo');
  assert.equal(ct.length, HEADER_SIZE + pt.length + TAG_SIZE);
  assert.deepEqual([...ct.subarray(0, 5)], [0, 0, 0, 7, 0x02]);
  assert.equal(termOf(ct), 7);
  assert.equal(decrypt(keys, ct, 'logical/abc/foo').toString(), 'hello secret');
  assert.equal(ct.indexOf(pt), -1);
});

test('large terms and empty plaintext', () => {
  const ct = encrypt(key, 0xfffffffe, new Uint8Array(0), 'p');
  assert.equal(ct.length, MIN_CIPHERTEXT_SIZE);
  assert.equal(termOf(ct), 0xfffffffe);
  assert.equal(decrypt(() => key, ct, 'p').length, 0);
});

test('fresh nonce per encryption', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 2000; i++) seen.add(encrypt(key, 1, Buffer.from('x'), 'k').subarray(5, 17).toString('hex'));
  assert.equal(seen.size, 2000);
});

test('unicode and long AAD are bound', () => {
  const path = 'logical/ü/' + 'é😀'.repeat(400);
  const ct = encrypt(key, 7, Buffer.from('v'), path);
  assert.equal(decrypt(keys, ct, path).toString(), 'v');
  assert.throws(() => decrypt(keys, ct, path.slice(0, -1)), CiphertextError);
});

test('wrong AAD (value moved to another path) is rejected', () => {
  const ct = encrypt(key, 7, Buffer.from('v'), 'logical/a/x');
  assert.throws(() => decrypt(keys, ct, 'logical/a/y'), /message authentication failed/);
});

test('too short is rejected', () => {
  assert.throws(() => decrypt(keys, new Uint8Array(5), 'k'), /too short/);
  assert.throws(() => decrypt(keys, new Uint8Array(MIN_CIPHERTEXT_SIZE - 1), 'k'), /too short/);
});

test('unknown term is rejected', () => {
  const ct = encrypt(key, 8, Buffer.from('v'), 'k');
  assert.throws(() => decrypt(keys, ct, 'k'), (e: unknown) => e instanceof UnknownTermError && e.term === 8);
});

test('wrong key, tampering and unknown version are rejected', () => {
  const ct = encrypt(key, 7, Buffer.from('value'), 'k');
  assert.throws(() => decrypt(() => randomBytes(32), ct, 'k'), CiphertextError);
  for (const at of [6, HEADER_SIZE, ct.length - 1]) {
    const t = Buffer.from(ct);
    t[at] ^= 1;
    assert.throws(() => decrypt(keys, t, 'k'), CiphertextError);
  }
  const v = Buffer.from(ct);
  v[4] = 1;
  assert.throws(() => decrypt(keys, v, 'k'), /unsupported ciphertext version/);
});

test('bad key size and bad term are refused on encrypt', () => {
  assert.throws(() => encrypt(randomBytes(16), 1, Buffer.from('v'), 'k'), /32 bytes/);
  assert.throws(() => encrypt(key, -1, Buffer.from('v'), 'k'), /invalid key term/);
});
