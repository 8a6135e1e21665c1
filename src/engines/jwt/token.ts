/**
 * Structural parsing of a compact JWS before any key is chosen: size limit, three base64url
 * parts, a JSON object header with a string `alg`, a JSON object payload. Only the signature
 * check makes the payload trustworthy; the unverified payload only selects the issuer's keys.
 */
export const MAX_TOKEN_BYTES = 64 * 1024;

/** Every asymmetric algorithm Vault accepts; `none` and HS* are never accepted. */
export const ALL_ALGS = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512', 'EdDSA'] as const;
export type Alg = (typeof ALL_ALGS)[number];

export function isSupportedAlg(alg: string): alg is Alg {
  return (ALL_ALGS as readonly string[]).includes(alg);
}

export interface ParsedToken {
  compact: string;
  header: Record<string, unknown>;
  alg: string;
  kid?: string;
  /** Unverified: selects key material only. */
  payload: Record<string, unknown>;
}

export class MalformedToken extends Error {}

const B64URL = /^[A-Za-z0-9_-]*$/;

function decodePart(part: string, what: string): Record<string, unknown> {
  if (!B64URL.test(part)) throw new MalformedToken(`failed to decode ${what}: illegal base64 data`);
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    throw new MalformedToken(`failed to unmarshal ${what}: invalid JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new MalformedToken(`failed to unmarshal ${what}: not a JSON object`);
  }
  return value as Record<string, unknown>;
}

/** Parses a compact JWS; throws MalformedToken with the cause. */
export function parseCompact(compact: string): ParsedToken {
  const parts = compact.split('.');
  if (parts.length === 5) throw new MalformedToken('JWE tokens are not supported');
  if (parts.length !== 3) throw new MalformedToken('compact JWS format must have three parts');
  const header = decodePart(parts[0], 'header');
  const payload = decodePart(parts[1], 'payload');
  if (!B64URL.test(parts[2])) throw new MalformedToken('failed to decode signature: illegal base64 data');
  const alg = header.alg;
  if (typeof alg !== 'string' || alg === '') throw new MalformedToken('missing or invalid "alg" header parameter');
  const kid = typeof header.kid === 'string' ? header.kid : undefined;
  return { compact, header, alg, kid, payload };
}

/** The verified payload bytes as a claim set; throws MalformedToken when not a JSON object. */
export function parsePayload(bytes: Uint8Array): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new MalformedToken('failed to unmarshal payload: invalid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new MalformedToken('failed to unmarshal payload: not a JSON object');
  }
  return value as Record<string, unknown>;
}
