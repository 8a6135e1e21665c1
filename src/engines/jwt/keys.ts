/**
 * Key sources of a trusted issuer (spec/auth.md 3.8) and static public keys.
 * - StaticKeys: `jwt_validation_pubkeys` (PKIX or PKCS#1 public keys, or X.509 certificates);
 *   every key is tried; none verifies -> `no known key successfully validated the token signature`.
 * - Remote sources (JWKS URL, discovery) live in jwks.ts and discovery.ts.
 * Signatures are verified with jose (compactVerify), restricted to the ten asymmetric
 * algorithms, so `none` and HMAC (even with a public key as secret) never verify.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { compactVerify } from 'jose';
import { REASONS, type ReasonCode } from './reasons.ts';
import { ALL_ALGS, MalformedToken, isSupportedAlg, parsePayload, type ParsedToken } from './token.ts';

export type VerifyOutcome =
  | { ok: true; claims: Record<string, unknown> }
  | { ok: false; code: ReasonCode; cause: string };

export interface KeySource {
  /** A label for traces (`jwt_validation_pubkeys`, the JWKS URL, the discovery URL). */
  readonly describe: string;
  /** Step 7: whatever must exist before keys can be looked for (discovery). Throws Error(cause). */
  prepare(): Promise<void>;
  /** Step 8. */
  verify(token: ParsedToken): Promise<VerifyOutcome>;
}

const ALLOWED_PEM = new Set(['PUBLIC KEY', 'RSA PUBLIC KEY', 'CERTIFICATE']);
const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/;

/** Parses one PEM public key or certificate (RSA, ECDSA, Ed25519). Throws Error(cause). */
export function parsePublicKeyPem(pem: string): KeyObject {
  const m = PEM_BLOCK.exec(pem);
  if (!m) throw new Error('no data found in PEM block');
  if (!ALLOWED_PEM.has(m[1])) throw new Error('data does not contain any valid public keys');
  let key: KeyObject;
  try {
    key = createPublicKey({ key: m[0], format: 'pem' });
  } catch {
    throw new Error('data does not contain any valid public keys');
  }
  const type = key.asymmetricKeyType;
  if (type !== 'rsa' && type !== 'ec' && type !== 'ed25519') throw new Error(`unsupported public key type ${String(type)}`);
  return key;
}

const CURVES: Record<string, string> = { ES256: 'prime256v1', ES384: 'secp384r1', ES512: 'secp521r1' };

/** True when the key can verify `alg` (avoids pointless attempts). */
export function keyFitsAlg(key: KeyObject, alg: string): boolean {
  const type = key.asymmetricKeyType;
  if (alg.startsWith('RS') || alg.startsWith('PS')) return type === 'rsa';
  if (alg.startsWith('ES')) return type === 'ec' && key.asymmetricKeyDetails?.namedCurve === CURVES[alg];
  if (alg === 'EdDSA') return type === 'ed25519';
  return false;
}

export function malformedOutcome(e: unknown): VerifyOutcome {
  const cause = e instanceof Error ? e.message : String(e);
  return { ok: false, code: REASONS.MALFORMED, cause: `oidc: malformed jwt: ${cause}` };
}

/** Verifies with one key; the claims on success, undefined when the signature does not verify. */
export async function verifyWith(token: ParsedToken, key: Parameters<typeof compactVerify>[1]): Promise<Record<string, unknown> | undefined> {
  let payload: Uint8Array;
  try {
    const r = await compactVerify(token.compact, key, { algorithms: [...ALL_ALGS] });
    payload = r.payload;
  } catch {
    return undefined;
  }
  return parsePayload(payload);
}

export class StaticKeys implements KeySource {
  readonly describe = 'jwt_validation_pubkeys';

  constructor(private readonly keys: readonly KeyObject[]) {}

  async prepare(): Promise<void> {}

  async verify(token: ParsedToken): Promise<VerifyOutcome> {
    if (isSupportedAlg(token.alg)) {
      for (const key of this.keys) {
        if (!keyFitsAlg(key, token.alg)) continue;
        try {
          const claims = await verifyWith(token, key);
          if (claims) return { ok: true, claims };
        } catch (e) {
          if (e instanceof MalformedToken) return malformedOutcome(e);
          throw e;
        }
      }
    }
    return { ok: false, code: REASONS.SIGNATURE, cause: 'no known key successfully validated the token signature' };
  }
}
