import { combine, split } from 'shamir-secret-sharing';
import { badRequest } from '../errors.ts';

/**
 * Shamir secret sharing over GF(2^8) (spec/core.md 6.4), wrapping `shamir-secret-sharing`.
 * A share is the secret's length + 1 bytes (the x coordinate last): 33 bytes for a 32-byte key.
 *
 * TRAP: combining too few or wrong shares returns a WRONG secret without any error. A caller
 * must verify the result (Keep GCM-decrypts a stored value with it) before trusting it.
 */

/** The library checks `constructor === Uint8Array`, so Buffers must be copied into plain arrays. */
function plain(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length);
  out.set(bytes);
  return out;
}

/**
 * Splits `secret` into `shares` shares, any `threshold` of which recover it. With one share
 * (threshold 1) nothing is split: the single share is the secret itself.
 */
export async function splitSecret(secret: Uint8Array, shares: number, threshold: number): Promise<Buffer[]> {
  if (sealConfigError(shares, threshold) !== undefined) throw new Error('invalid share configuration');
  if (shares === 1) return [Buffer.from(secret)];
  const input = plain(secret);
  try {
    const parts = await split(input, shares, threshold);
    return parts.map((p) => {
      const b = Buffer.from(p);
      p.fill(0);
      return b;
    });
  } finally {
    input.fill(0);
  }
}

/**
 * Combines shares into the secret. One share is the secret itself. Throws on shares of
 * different lengths or a repeated x coordinate (`duplicate part detected`); a wrong result
 * is NOT detected here (see the trap above).
 */
export async function combineShares(shares: Uint8Array[]): Promise<Buffer> {
  if (shares.length === 0) throw new Error('no shares given');
  if (shares.length === 1) return Buffer.from(shares[0]);
  const len = shares[0].length;
  if (len < 2) throw new Error('shares must be at least two bytes');
  const xs = new Set<number>();
  for (const s of shares) {
    if (s.length !== len) throw new Error('all shares must be the same length');
    const x = s[len - 1];
    if (xs.has(x)) throw new Error('duplicate part detected');
    xs.add(x);
  }
  const inputs = shares.map(plain);
  try {
    const secret = await combine(inputs);
    const out = Buffer.from(secret);
    secret.fill(0);
    return out;
  } finally {
    for (const i of inputs) i.fill(0);
  }
}

/**
 * Vault's seal configuration checks, in Vault's order (without the `invalid seal configuration: `
 * prefix); undefined when valid. `pgpKeys` is the number of PGP keys given (0: none).
 */
export function sealConfigError(shares: number, threshold: number, pgpKeys = 0): string | undefined {
  if (!(shares >= 1)) return 'shares must be at least one';
  if (!(threshold >= 1)) return 'threshold must be at least one';
  if (shares > 1 && threshold === 1) return 'threshold must be greater than one for multiple shares';
  if (shares > 255) return 'shares must be less than 256';
  if (threshold > 255) return 'threshold must be less than 256';
  if (threshold > shares) return 'threshold cannot be larger than shares';
  if (pgpKeys > 0 && pgpKeys !== shares) return 'count mismatch between number of provided PGP keys and number of shares';
  return undefined;
}

/** Accepted unseal/recovery share sizes in bytes (spec/core.md 2.2). */
export const MIN_SHARE = 16;
export const MAX_SHARE = 33;
const HEX = /^(?:[0-9a-fA-F]{2})+$/;
/** Standard, padded base64 (Go's base64.StdEncoding). */
export const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Decodes an unseal/recovery share as Vault does: hex first (accepted when valid and 16..33
 * bytes long), else standard padded base64. The length is checked by the caller (after its
 * initialised/sealed checks).
 */
export function decodeKeyShare(key: string): Buffer {
  if (HEX.test(key) && key.length / 2 >= MIN_SHARE && key.length / 2 <= MAX_SHARE) return Buffer.from(key, 'hex');
  if (BASE64.test(key)) return Buffer.from(key, 'base64');
  throw badRequest("'key' must be a valid hex or base64 string");
}
