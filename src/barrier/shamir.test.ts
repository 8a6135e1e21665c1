import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { combineShares, sealConfigError, splitSecret } from './shamir.ts';

test('5/3: any 3 shares in any order recover the secret', async () => {
  const secret = randomBytes(32);
  const shares = await splitSecret(secret, 5, 3);
  assert.equal(shares.length, 5);
  for (const s of shares) assert.equal(s.length, 33);
  for (let a = 0; a < 5; a++)
    for (let b = a + 1; b < 5; b++)
      for (let c = b + 1; c < 5; c++) {
        assert.deepEqual(await combineShares([shares[a], shares[b], shares[c]]), secret);
        assert.deepEqual(await combineShares([shares[c], shares[a], shares[b]]), secret);
      }
  assert.deepEqual(await combineShares(shares), secret);
});

test('too few shares give a wrong secret without error (the trap callers must guard)', async () => {
  const secret = randomBytes(32);
  const shares = await splitSecret(secret, 5, 3);
  const wrong = await combineShares([shares[0], shares[1]]);
  assert.equal(wrong.length, 32);
  assert.notDeepEqual(wrong, secret);
});

test('one share: the share is the secret itself', async () => {
  const secret = randomBytes(32);
  const [share] = await splitSecret(secret, 1, 1);
  assert.deepEqual(share, secret);
  assert.deepEqual(await combineShares([share]), secret);
});

test('duplicate x coordinates and mixed lengths are refused', async () => {
  const shares = await splitSecret(randomBytes(32), 3, 2);
  const dup = Buffer.from(shares[1]);
  dup[0] ^= 1; // different bytes, same x
  await assert.rejects(combineShares([shares[1], dup]), /duplicate part detected/);
  await assert.rejects(combineShares([shares[0], shares[1].subarray(1)]), /same length/);
  await assert.rejects(combineShares([]), /no shares/);
});

test('invalid split configurations are refused', async () => {
  await assert.rejects(splitSecret(randomBytes(32), 3, 1), /invalid share configuration/);
  await assert.rejects(splitSecret(randomBytes(32), 2, 3), /invalid share configuration/);
});

test('seal configuration checks in order', () => {
  assert.equal(sealConfigError(0, 0), 'shares must be at least one');
  assert.equal(sealConfigError(1, 0), 'threshold must be at least one');
  assert.equal(sealConfigError(3, 1), 'threshold must be greater than one for multiple shares');
  assert.equal(sealConfigError(256, 3), 'shares must be less than 256');
  assert.equal(sealConfigError(255, 256), 'threshold must be less than 256');
  assert.equal(sealConfigError(3, 4), 'threshold cannot be larger than shares');
  assert.equal(sealConfigError(3, 2, 2), 'count mismatch between number of provided PGP keys and number of shares');
  assert.equal(sealConfigError(5, 3), undefined);
  assert.equal(sealConfigError(1, 1), undefined);
  assert.equal(sealConfigError(255, 255), undefined);
});
