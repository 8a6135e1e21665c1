/**
 * Signing keys of the development issuer: one key pair per platform, generated at start with the
 * platform's JWS algorithm, identified by its JWK thumbprint as `kid`. Rotation replaces the
 * signing key and keeps publishing the previous public key (tokens minted before still verify)
 * unless asked to drop it.
 */
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import type { CryptoKey, JWK } from 'jose';

/** Algorithms the dev issuer can sign with (those Keep's JWT method accepts). */
export const SIGNING_ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;

/** One signing key. */
export interface SigningKey {
  kid: string;
  alg: string;
  privateKey: CryptoKey;
  /** The public key as published in the JWKS (`kid`, `alg`, `use` set). */
  publicJwk: JWK;
}

/** A JWK Set document. */
export interface JwksDocument {
  keys: JWK[];
}

/** Generates a key pair for `alg` with its thumbprint as kid. @throws Error for an unsupported alg. */
export async function generateSigningKey(alg: string): Promise<SigningKey> {
  if (!(SIGNING_ALGS as readonly string[]).includes(alg)) {
    throw new Error(`unsupported signing algorithm "${alg}"; supported: ${SIGNING_ALGS.join(', ')}`);
  }
  const options = alg === 'EdDSA' ? { crv: 'Ed25519', extractable: true } : { extractable: true, modulusLength: 2048 };
  const { publicKey, privateKey } = await generateKeyPair(alg, options);
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk, 'sha256');
  return { kid, alg, privateKey, publicJwk: { ...jwk, kid, alg, use: 'sig' } };
}

/** The keys of one platform's issuer: the signing key and the published set. */
export class PlatformKeys {
  private signing: SigningKey;
  private published: SigningKey[];

  private constructor(key: SigningKey) {
    this.signing = key;
    this.published = [key];
  }

  /** Generates the first key. */
  static async create(alg: string): Promise<PlatformKeys> {
    return new PlatformKeys(await generateSigningKey(alg));
  }

  /** The key new tokens are signed with. */
  get current(): SigningKey {
    return this.signing;
  }

  /** The kids currently published, signing key first. */
  get kids(): string[] {
    return this.published.map((k) => k.kid);
  }

  /** The JWKS document: the signing key and (after a rotation) the previous one. */
  jwks(): JwksDocument {
    return { keys: this.published.map((k) => ({ ...k.publicJwk })) };
  }

  /**
   * Replaces the signing key with a new one of the same alg. The previous key stays published
   * (only the one directly before; older ones are dropped) unless `dropOld`.
   */
  async rotate(dropOld = false): Promise<SigningKey> {
    const next = await generateSigningKey(this.signing.alg);
    this.published = dropOld ? [next] : [next, this.signing];
    this.signing = next;
    return next;
  }
}
