import { createCipheriv, createDecipheriv, randomFillSync } from 'node:crypto';

/**
 * The barrier's value format (spec/core.md 6.2):
 *
 *   term (4 bytes, big-endian uint32) | version 0x02 | nonce (12 random bytes) | ciphertext | tag (16)
 *
 * AES-256-GCM; version 2 binds the storage key path as additional authenticated data, so a value
 * copied to another path fails to decrypt. A fresh random nonce per encryption.
 */

export const KEY_SIZE = 32;
export const TERM_SIZE = 4;
export const VERSION_PATH_AAD = 0x02;
export const NONCE_SIZE = 12;
export const TAG_SIZE = 16;
export const HEADER_SIZE = TERM_SIZE + 1 + NONCE_SIZE;
/** The smallest valid value: header and tag around an empty plaintext. */
export const MIN_CIPHERTEXT_SIZE = HEADER_SIZE + TAG_SIZE;

/** A stored value that cannot be decrypted (malformed, tampered, wrong key or wrong path). */
export class CiphertextError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CiphertextError';
  }
}

/** The value names a key term the keyring does not hold. */
export class UnknownTermError extends CiphertextError {
  constructor(readonly term: number) {
    super(`no key for term ${term}`);
    this.name = 'UnknownTermError';
  }
}

// Nonces are drawn from a pool of random bytes refilled in one call (nonces are public; each is
// used once). The AAD is written into a reused scratch buffer: setAAD copies it synchronously.
const noncePool = Buffer.allocUnsafe(NONCE_SIZE * 512);
let nonceOffset = noncePool.length;
let aadScratch = Buffer.allocUnsafe(512);

function aadBytes(aad: string): Buffer {
  if (aad.length * 3 > aadScratch.length) aadScratch = Buffer.allocUnsafe(aad.length * 3);
  const n = aadScratch.write(aad, 0, 'utf8');
  return aadScratch.subarray(0, n);
}

function writeNonce(out: Buffer, at: number): void {
  if (nonceOffset + NONCE_SIZE > noncePool.length) {
    randomFillSync(noncePool);
    nonceOffset = 0;
  }
  noncePool.copy(out, at, nonceOffset, nonceOffset + NONCE_SIZE);
  nonceOffset += NONCE_SIZE;
}

/** Encrypts `plaintext` under `key` (32 bytes) with `term` in the header and `aad` (the path) bound. */
export function encrypt(key: Uint8Array, term: number, plaintext: Uint8Array, aad: string): Buffer {
  if (key.length !== KEY_SIZE) throw new CiphertextError('encryption key must be 32 bytes');
  if (!Number.isInteger(term) || term < 0 || term > 0xffffffff) throw new CiphertextError(`invalid key term ${term}`);
  const out = Buffer.allocUnsafe(HEADER_SIZE + plaintext.length + TAG_SIZE);
  out.writeUInt32BE(term, 0);
  out[TERM_SIZE] = VERSION_PATH_AAD;
  writeNonce(out, TERM_SIZE + 1);
  const cipher = createCipheriv('aes-256-gcm', key, out.subarray(TERM_SIZE + 1, HEADER_SIZE), { authTagLength: TAG_SIZE });
  cipher.setAAD(aadBytes(aad));
  const body = cipher.update(plaintext);
  body.copy(out, HEADER_SIZE);
  const rest = cipher.final(); // empty for GCM
  if (rest.length > 0) rest.copy(out, HEADER_SIZE + body.length);
  cipher.getAuthTag().copy(out, HEADER_SIZE + plaintext.length);
  return out;
}

/** The key term named in a stored value's header. */
export function termOf(data: Uint8Array): number {
  if (data.length < MIN_CIPHERTEXT_SIZE) throw new CiphertextError('invalid ciphertext: too short');
  return ((data[0] << 24) >>> 0) + (data[1] << 16) + (data[2] << 8) + data[3];
}

/**
 * Decrypts a stored value. `keyFor(term)` returns the key of a term or undefined (then
 * UnknownTermError). Throws CiphertextError on anything malformed or not authentic.
 */
export function decrypt(keyFor: (term: number) => Uint8Array | undefined, data: Uint8Array, aad: string): Buffer {
  const term = termOf(data);
  if (data[TERM_SIZE] !== VERSION_PATH_AAD) throw new CiphertextError(`unsupported ciphertext version ${data[TERM_SIZE]}`);
  const key = keyFor(term);
  if (key === undefined) throw new UnknownTermError(term);
  const end = data.length - TAG_SIZE;
  const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(TERM_SIZE + 1, HEADER_SIZE), {
    authTagLength: TAG_SIZE,
  });
  decipher.setAAD(aadBytes(aad));
  decipher.setAuthTag(data.subarray(end));
  const plain = decipher.update(data.subarray(HEADER_SIZE, end));
  try {
    decipher.final();
  } catch {
    plain.fill(0);
    throw new CiphertextError('cipher: message authentication failed');
  }
  return plain;
}
