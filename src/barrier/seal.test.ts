import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { isKeepError } from '../errors.ts';
import { MemoryPhysical } from '../storage/memory.ts';
import type { Physical } from '../storage/physical.ts';
import { Barrier, RECOVERY_VERIFIER_PATH, ROOT_KEY_PATH, SEAL_CONFIG_PATH } from './barrier.ts';
import { SealManager, decodeKeyShare, parseStaticKey } from './seal.ts';
import type { InitParams, SealSpec } from './seal.ts';

const bad = (message: string) => (e: unknown) => {
  assert.ok(isKeepError(e), `expected a KeepError, got ${String(e)}`);
  assert.equal(e.status, 400);
  assert.equal(e.message, message);
  return true;
};
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function setup(spec: SealSpec = { type: 'shamir' }, physical: Physical = new MemoryPhysical()) {
  const barrier = new Barrier(physical);
  return { physical, barrier, seal: new SealManager(physical, barrier, spec) };
}

test('shamir 5/3: init, status, unseal with any 3 shares in any order', async () => {
  const { physical, barrier, seal } = setup();
  assert.equal(await seal.initialized(), false);
  assert.deepEqual(await seal.status(), {
    type: 'shamir', initialized: false, sealed: true, t: 0, n: 0, progress: 0, nonce: '', recoverySeal: false,
  });
  const { keys, recoveryKeys, rootKey } = await seal.initialize({ secretShares: 5, secretThreshold: 3 });
  assert.equal(keys.length, 5);
  assert.equal(recoveryKeys.length, 0);
  assert.equal(rootKey.length, 32);
  for (const k of keys) assert.equal(k.length, 33);
  assert.equal(await seal.initialized(), true);
  assert.equal(barrier.sealed, true, 'init leaves the barrier sealed');
  assert.deepEqual(await seal.status(), {
    type: 'shamir', initialized: true, sealed: true, t: 3, n: 5, progress: 0, nonce: '', recoverySeal: false,
  });
  // nothing secret stored in clear
  const config = JSON.parse(Buffer.from((await physical.get(SEAL_CONFIG_PATH)) ?? []).toString());
  assert.deepEqual(config, { type: 'shamir', secret_shares: 5, secret_threshold: 3, stored_shares: 0 });
  const storedRoot = await physical.get(ROOT_KEY_PATH);
  assert.ok(storedRoot && Buffer.from(storedRoot).indexOf(rootKey) < 0);

  for (const pick of [[0, 1, 2], [4, 2, 0], [3, 1, 4], [2, 4, 3]]) {
    await seal.submitUnsealKey(keys[pick[0]].toString('hex'));
    const s1 = await seal.status();
    assert.equal(s1.progress, 1);
    assert.match(s1.nonce, UUID);
    await seal.submitUnsealKey(keys[pick[1]].toString('base64'));
    const s2 = await seal.status();
    assert.equal(s2.progress, 2);
    assert.equal(s2.nonce, s1.nonce, 'one nonce per attempt');
    await seal.submitUnsealKey(keys[pick[2]].toString('hex'));
    const s3 = await seal.status();
    assert.equal(s3.sealed, false);
    assert.equal(s3.progress, 0);
    assert.equal(s3.nonce, '');
    assert.equal(barrier.sealed, false);
    seal.seal();
    assert.equal(barrier.sealed, true);
  }
});

test('shamir 1/1: the single key is the raw 32-byte unseal key', async () => {
  const { barrier, seal } = setup();
  const { keys } = await seal.initialize({ secretShares: 1, secretThreshold: 1 });
  assert.equal(keys.length, 1);
  assert.equal(keys[0].length, 32);
  assert.equal(keys[0].toString('hex').length, 64);
  const st = await seal.status();
  assert.equal(st.t, 1);
  assert.equal(st.n, 1);
  await seal.submitUnsealKey(keys[0].toString('base64'));
  assert.equal(barrier.sealed, false);
  await barrier.put('k', Buffer.from('v'));
  // already unsealed: no error, nothing changes
  await seal.submitUnsealKey(keys[0].toString('hex'));
  await seal.submitUnsealKey(randomBytes(32).toString('hex'));
  assert.equal(barrier.sealed, false);
});

test('a wrong share is detected and never unseals; progress restarts', async () => {
  const { barrier, seal } = setup();
  const { keys } = await seal.initialize({ secretShares: 5, secretThreshold: 3 });
  await seal.submitUnsealKey(keys[0].toString('hex'));
  await seal.submitUnsealKey(keys[1].toString('hex'));
  const forged = Buffer.from(keys[2]);
  forged[5] ^= 0xff;
  await assert.rejects(seal.submitUnsealKey(forged.toString('hex')), bad('Unseal failed, invalid key'));
  assert.equal(barrier.sealed, true);
  assert.deepEqual([(await seal.status()).progress, (await seal.status()).nonce], [0, '']);
  // too few distinct shares with a random third one
  await seal.submitUnsealKey(keys[0].toString('hex'));
  await seal.submitUnsealKey(keys[1].toString('hex'));
  await assert.rejects(seal.submitUnsealKey(randomBytes(33).toString('hex')), /Unseal failed, invalid key|duplicate part/);
  assert.equal(barrier.sealed, true);
  // shares of different lengths
  await seal.submitUnsealKey(keys[0].toString('hex'));
  await seal.submitUnsealKey(keys[1].toString('hex'));
  await assert.rejects(seal.submitUnsealKey(randomBytes(20).toString('hex')), /failed to compute root key/);
  assert.equal((await seal.status()).progress, 0);
  // the real shares still work afterwards
  for (const i of [3, 4, 0]) await seal.submitUnsealKey(keys[i].toString('hex'));
  assert.equal(barrier.sealed, false);
});

test('1/1 with a wrong key never unseals', async () => {
  const { barrier, seal } = setup();
  await seal.initialize({ secretShares: 1, secretThreshold: 1 });
  await assert.rejects(seal.submitUnsealKey(randomBytes(32).toString('hex')), bad('Unseal failed, invalid key'));
  await assert.rejects(seal.submitUnsealKey(randomBytes(33).toString('hex')), bad('Unseal failed, invalid key'));
  assert.equal(barrier.sealed, true);
  assert.equal((await seal.status()).progress, 0);
});

test('a duplicate share is ignored (also in another encoding)', async () => {
  const { seal } = setup();
  const { keys } = await seal.initialize({ secretShares: 5, secretThreshold: 3 });
  await seal.submitUnsealKey(keys[2].toString('hex'));
  const nonce = (await seal.status()).nonce;
  await seal.submitUnsealKey(keys[2].toString('hex'));
  await seal.submitUnsealKey(keys[2].toString('base64'));
  const s = await seal.status();
  assert.equal(s.progress, 1);
  assert.equal(s.nonce, nonce);
});

test('reset discards shares; reset when unsealed is refused; seal discards shares', async () => {
  const { seal } = setup();
  const { keys } = await seal.initialize({ secretShares: 3, secretThreshold: 2 });
  await seal.submitUnsealKey(keys[0].toString('hex'));
  seal.resetUnseal();
  assert.deepEqual([(await seal.status()).progress, (await seal.status()).nonce], [0, '']);
  await seal.submitUnsealKey(keys[1].toString('hex'));
  seal.seal();
  assert.equal((await seal.status()).progress, 0);
  await seal.submitUnsealKey(keys[1].toString('hex'));
  await seal.submitUnsealKey(keys[2].toString('hex'));
  assert.equal((await seal.status()).sealed, false);
  assert.throws(() => seal.resetUnseal(), bad('vault is unsealed'));
});

test('concurrent share submissions are serialised', async () => {
  const { barrier, seal } = setup();
  const { keys } = await seal.initialize({ secretShares: 5, secretThreshold: 3 });
  await Promise.all(keys.slice(0, 3).map((k) => seal.submitUnsealKey(k.toString('hex'))));
  assert.equal(barrier.sealed, false);
});

test('unseal key validation messages', async () => {
  const { seal } = setup();
  await assert.rejects(seal.submitUnsealKey('AAAAAAAAAAAAAAAAAAAAAA=='), bad('Vault is not initialized'));
  await assert.rejects(seal.submitUnsealKey('not hex or base64!'), bad("'key' must be a valid hex or base64 string"));
  await assert.rejects(seal.submitUnsealKey('abc'), bad("'key' must be a valid hex or base64 string"));
  await assert.rejects(seal.submitUnsealKey(''), bad("'key' must be specified in request body as JSON, or 'reset' set to true"));
  await seal.initialize({ secretShares: 5, secretThreshold: 3 });
  await assert.rejects(seal.submitUnsealKey('AAAA'), bad('key is shorter than minimum 16 bytes'));
  // 15 bytes of hex is out of range for hex, and 30 characters are not base64
  await assert.rejects(seal.submitUnsealKey('00'.repeat(15)), bad("'key' must be a valid hex or base64 string"));
  await assert.rejects(seal.submitUnsealKey(randomBytes(15).toString('base64')), bad('key is shorter than minimum 16 bytes'));
  await assert.rejects(seal.submitUnsealKey('00'.repeat(34)), bad('key is longer than maximum 33 bytes'));
  await assert.rejects(seal.submitUnsealKey(randomBytes(40).toString('base64')), bad('key is longer than maximum 33 bytes'));
  assert.equal((await seal.status()).progress, 0);
});

test('decodeKeyShare: hex first, then base64', () => {
  const share = randomBytes(33);
  assert.deepEqual(decodeKeyShare(share.toString('hex')), share);
  assert.deepEqual(decodeKeyShare(share.toString('hex').toUpperCase()), share);
  assert.deepEqual(decodeKeyShare(share.toString('base64')), share);
  // 32 hex digits are 16 bytes of hex, not 24 bytes of base64
  assert.equal(decodeKeyShare('0123456789abcdef0123456789abcdef').length, 16);
  assert.throws(() => decodeKeyShare('ab=c'), bad("'key' must be a valid hex or base64 string"));
  assert.throws(() => decodeKeyShare('abc'), bad("'key' must be a valid hex or base64 string"));
});

test('init validation messages (all 400)', async () => {
  const cases: [InitParams, string][] = [
    [{}, 'invalid seal configuration: shares must be at least one'],
    [{ secretShares: 0, secretThreshold: 1 }, 'invalid seal configuration: shares must be at least one'],
    [{ secretShares: 1, secretThreshold: 0 }, 'invalid seal configuration: threshold must be at least one'],
    [{ secretShares: 3, secretThreshold: 1 }, 'invalid seal configuration: threshold must be greater than one for multiple shares'],
    [{ secretShares: 256, secretThreshold: 3 }, 'invalid seal configuration: shares must be less than 256'],
    [{ secretShares: 255, secretThreshold: 256 }, 'invalid seal configuration: threshold must be less than 256'],
    [{ secretShares: 3, secretThreshold: 4 }, 'invalid seal configuration: threshold cannot be larger than shares'],
    [{ secretShares: 3, secretThreshold: 2, pgpKeys: ['a'] }, 'invalid seal configuration: count mismatch between number of provided PGP keys and number of shares'],
    [{ secretShares: 5, secretThreshold: 3, recoveryShares: 5, recoveryThreshold: 3 }, 'parameters recovery_shares,recovery_threshold not applicable to seal type shamir'],
    [{ secretShares: 5, secretThreshold: 3, recoveryThreshold: 3 }, 'parameters recovery_threshold not applicable to seal type shamir'],
    [{ secretShares: 2.5, secretThreshold: 2 }, 'secret_shares must be an integer'],
  ];
  const { seal } = setup();
  for (const [params, message] of cases) await assert.rejects(seal.initialize(params), bad(message));
  assert.equal(await seal.initialized(), false);
  await seal.initialize({ secretShares: 5, secretThreshold: 3 });
  await assert.rejects(seal.initialize({ secretShares: 5, secretThreshold: 3 }), bad('Vault is already initialized'));
});

const staticSpec = (key: Buffer, keyId = 'k1'): SealSpec => ({ type: 'static', key, keyId });

test('static seal: init returns recovery keys, auto-unseal works across a restart', async () => {
  const key = randomBytes(32);
  const physical = new MemoryPhysical();
  const first = setup(staticSpec(key), physical);
  const init = await first.seal.initialize({});
  assert.equal(init.keys.length, 0);
  assert.equal(init.recoveryKeys.length, 5);
  assert.equal(first.barrier.sealed, true);
  assert.deepEqual(await first.seal.status(), {
    type: 'static', initialized: true, sealed: true, t: 3, n: 5, progress: 0, nonce: '', recoverySeal: true, recoverySealType: 'shamir',
  });
  assert.ok(await physical.get(RECOVERY_VERIFIER_PATH));
  await first.seal.autoUnseal();
  assert.equal(first.barrier.sealed, false);
  await first.barrier.put('logical/x/secret', Buffer.from('kept'));
  await first.seal.autoUnseal(); // already unsealed: no-op

  // restart: a new barrier and seal manager on the same storage
  const second = setup(staticSpec(Buffer.from(key), 'k1'), physical);
  assert.equal(await second.seal.initialized(), true);
  await second.seal.autoUnseal();
  assert.equal(Buffer.from((await second.barrier.get('logical/x/secret')) ?? []).toString(), 'kept');

  // after a manual seal, recovery shares unseal again (verified, then the static key is used)
  second.seal.seal();
  assert.equal(second.barrier.sealed, true);
  await second.seal.submitUnsealKey(init.recoveryKeys[4].toString('base64'));
  await second.seal.submitUnsealKey(init.recoveryKeys[0].toString('hex'));
  assert.equal((await second.seal.status()).progress, 2);
  await second.seal.submitUnsealKey(init.recoveryKeys[2].toString('hex'));
  assert.equal(second.barrier.sealed, false);
  assert.equal(await second.seal.verifyRecoveryKey(randomBytes(32)), false);
});

test('static seal: wrong recovery shares are rejected', async () => {
  const { barrier, seal } = setup(staticSpec(randomBytes(32)));
  const { recoveryKeys } = await seal.initialize({ recoveryShares: 3, recoveryThreshold: 2 });
  assert.equal(recoveryKeys.length, 3);
  await seal.submitUnsealKey(recoveryKeys[0].toString('hex'));
  await assert.rejects(seal.submitUnsealKey(randomBytes(33).toString('hex')), /Unseal failed, invalid recovery key|duplicate part/);
  assert.equal(barrier.sealed, true);
  assert.equal((await seal.status()).progress, 0);
});

test('static seal: a wrong key fails auto-unseal with a clear error', async () => {
  const physical = new MemoryPhysical();
  await setup(staticSpec(randomBytes(32), 'old'), physical).seal.initialize({ recoveryShares: 1, recoveryThreshold: 1 });
  const wrong = setup(staticSpec(randomBytes(32), 'new'), physical);
  await assert.rejects(wrong.seal.autoUnseal(), (e: unknown) => {
    assert.ok(isKeepError(e));
    assert.equal(e.status, 500);
    assert.match(e.message, /cannot decrypt the root key/);
    assert.match(e.message, /"new"/);
    assert.match(e.message, /"old"/);
    return true;
  });
  assert.equal(wrong.barrier.sealed, true);
  await assert.rejects(setup(staticSpec(randomBytes(32))).seal.autoUnseal(), bad('Vault is not initialized'));
  assert.throws(() => setup(staticSpec(randomBytes(16))), /32 bytes/);
  await assert.rejects(setup().seal.autoUnseal(), /static seal/);
});

test('static seal: init validation messages', async () => {
  const { seal } = setup(staticSpec(randomBytes(32)));
  await assert.rejects(
    seal.initialize({ secretShares: 5, secretThreshold: 3 }),
    bad('parameters secret_shares,secret_threshold not applicable to seal type static'),
  );
  await assert.rejects(seal.initialize({ secretShares: 1 }), bad('parameters secret_shares not applicable to seal type static'));
  await assert.rejects(
    seal.initialize({ recoveryShares: 2 }),
    bad('invalid recovery configuration: threshold cannot be larger than shares'),
  );
  await assert.rejects(
    seal.initialize({ recoveryShares: 4, recoveryThreshold: 1 }),
    bad('invalid recovery configuration: threshold must be greater than one for multiple shares'),
  );
  const { recoveryKeys } = await seal.initialize({ recoveryShares: 1, recoveryThreshold: 1 });
  assert.equal(recoveryKeys.length, 1);
  assert.equal(recoveryKeys[0].length, 32);
  await assert.rejects(seal.initialize({}), bad('Vault is already initialized'));
});

test('parseStaticKey: 64 hex characters or base64 of 32 bytes', () => {
  const key = randomBytes(32);
  assert.deepEqual(parseStaticKey(key.toString('hex')), key);
  assert.deepEqual(parseStaticKey(key.toString('hex').toUpperCase()), key);
  assert.deepEqual(parseStaticKey(`${key.toString('base64')}\n`), key);
  for (const v of ['', 'abc', randomBytes(31).toString('hex'), randomBytes(16).toString('base64'), '%%%%']) {
    assert.throws(() => parseStaticKey(v), (e: unknown) => {
      assert.ok(e instanceof Error);
      assert.match(e.message, /32 bytes/);
      if (v.length > 3) assert.ok(!e.message.includes(v), 'the error never echoes the key');
      return true;
    });
  }
});

test('static seal: key rotation with previous_key re-seals the root key under the new key', async () => {
  const physical = new MemoryPhysical();
  const oldKey = randomBytes(32);
  const newKey = randomBytes(32);
  const first = setup(staticSpec(oldKey, 'old'), physical);
  await first.seal.initialize({ recoveryShares: 1, recoveryThreshold: 1 });
  await first.seal.autoUnseal();
  await first.barrier.put('secret/x', Buffer.from('kept'));

  // Restart with the new key as current and the old one as previous: unseals and re-seals.
  const rotated = setup({ type: 'static', key: newKey, keyId: 'new', previousKey: oldKey, previousKeyId: 'old' }, physical);
  await rotated.seal.autoUnseal();
  assert.equal(Buffer.from((await rotated.barrier.get('secret/x')) as Uint8Array).toString(), 'kept');

  // The previous key can now be retired; the old key alone no longer opens the store.
  const newOnly = setup(staticSpec(Buffer.from(newKey), 'new'), physical);
  await newOnly.seal.autoUnseal();
  assert.equal(newOnly.barrier.sealed, false);
  const oldOnly = setup(staticSpec(Buffer.from(oldKey), 'old'), physical);
  await assert.rejects(oldOnly.seal.autoUnseal(), /cannot decrypt the root key/);
});
