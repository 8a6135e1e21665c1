/**
 * The reason-code catalogue of JWT logins (decision traces). Every rejected login answers with
 * Vault's message in `errors` plus top-level `reason_code`, `role` and, where one claim is to
 * blame, `claim` (its name, never the expected value).
 */
import { KeepError } from '../../errors.ts';

export const REASONS = {
  /** Step 1: the mount has no config. */
  CONFIG_MISSING: 'KEEP_E_CONFIG_MISSING',
  /** Step 2: no role in the request and no default_role. */
  ROLE_REQUIRED: 'KEEP_E_ROLE_REQUIRED',
  /** Step 3: the named role does not exist. */
  ROLE_NOT_FOUND: 'KEEP_E_ROLE_NOT_FOUND',
  /** Step 4: an oidc role cannot be used for a JWT login. */
  ROLE_TYPE: 'KEEP_E_ROLE_TYPE',
  /** Step 5: no jwt in the request. */
  TOKEN_MISSING: 'KEEP_E_TOKEN_MISSING',
  /** The jwt is over the size limit (refused before parsing). */
  TOKEN_TOO_LARGE: 'KEEP_E_TOKEN_TOO_LARGE',
  /** Step 6: the client address is outside token_bound_cidrs (403). */
  CIDR: 'KEEP_E_CIDR',
  /** Step 7/8: the discovery document or the JWKS could not be fetched. */
  JWKS_UNAVAILABLE: 'KEEP_E_JWKS_UNAVAILABLE',
  /** Step 8: not a compact JWS, or a claim of the wrong JSON type. */
  MALFORMED: 'KEEP_E_MALFORMED',
  /** Step 8: no key with the token's kid, even after refreshing the JWKS. */
  KEY_NOT_FOUND: 'KEEP_E_KEY_NOT_FOUND',
  /** Step 8: the signature does not verify (or alg is none/HMAC/unknown). */
  SIGNATURE: 'KEEP_E_SIGNATURE',
  /** Step 9: a claim name that case-folds onto a registered claim. */
  AMBIGUOUS_CLAIM: 'KEEP_E_AMBIGUOUS_CLAIM',
  /** Step 10: alg outside jwt_supported_algs. */
  ALGORITHM: 'KEEP_E_ALGORITHM',
  /** Step 11 / issuers / bound_issuers: iss not trusted. */
  ISSUER: 'KEEP_E_ISSUER',
  /** Step 12: sub differs from bound_subject. */
  SUBJECT: 'KEEP_E_SUBJECT',
  /** Steps 13 and 18: aud does not fit the role (or the issuer entry). */
  AUDIENCE: 'KEEP_E_AUDIENCE',
  /** Step 14: none of iat, nbf, exp. */
  NO_TIME_CLAIMS: 'KEEP_E_NO_TIME_CLAIMS',
  /** Steps 15 and 17: nbf or iat in the future. */
  NOT_YET_VALID: 'KEEP_E_NOT_YET_VALID',
  /** Step 16 (and token_expires_with_jwt with nothing left). */
  EXPIRED: 'KEEP_E_EXPIRED',
  /** Steps 19, 22, 25: a required claim is absent. */
  CLAIM_MISSING: 'KEEP_E_CLAIM_MISSING',
  /** Steps 20, 21, 23, 24, 27: a claim has an unusable JSON type. */
  CLAIM_TYPE: 'KEEP_E_CLAIM_TYPE',
  /** Step 26: a bound claim does not match. */
  CLAIM_MISMATCH: 'KEEP_E_CLAIM_MISMATCH',
  /** claims_condition false or failing. */
  CONDITION: 'KEEP_E_CONDITION',
  /** jti_single_use: the token was used before. */
  REPLAY: 'KEEP_E_REPLAY',
} as const;

export type ReasonCode = (typeof REASONS)[keyof typeof REASONS];

/** One failed check: what the client is told. */
export interface Failure {
  code: ReasonCode;
  message: string;
  /** Name of the claim at fault (never its expected value). */
  claim?: string;
  /** HTTP status (400 unless noted). */
  status?: number;
}

/** The KeepError of a rejected login: Vault's message, plus reason_code, role and claim. */
export function loginError(failure: Failure, role: string | undefined): KeepError {
  const extra: Record<string, unknown> = { reason_code: failure.code };
  if (role !== undefined && role !== '') extra.role = role;
  if (failure.claim !== undefined) extra.claim = failure.claim;
  return new KeepError(failure.code, failure.status ?? 400, failure.message, extra);
}
