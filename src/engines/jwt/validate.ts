/**
 * The ordered validation pipeline of a JWT login (spec/auth.md 3.5), shared by login (stops at
 * the first failure with Vault's message and a reason code) and explain (records every check).
 * Steps 1-3 (config, role name, role) are the caller's. Keep's checks sit where they belong:
 * the issuer choice with the key material (7), bound_issuers and an issuer entry's audiences
 * beside iss (11) and aud (13), claims_condition after the bound claims, token_expires_with_jwt
 * last. The replay check (jti_single_use) is the login's, after everything else passed.
 */
import { addressInCidrs } from '../../core/token/cidr.ts';
import { recognisePlatform, type Platform } from './attribution.ts';
import { displayValue } from './claims.ts';
import { ISSUER_FAILURE, audiences, checkBoundClaims, checkClaimShapes, checkIssuerAndAudience, checkTimeClaims, tokenError } from './checks.ts';
import type { JwtConfig } from './config-model.ts';
import { extractGroups, extractMappings, extractUser } from './identity.ts';
import { platformOf, type TrustSet, type TrustedIssuer } from './issuers.ts';
import type { VerifyOutcome } from './keys.ts';
import { REASONS } from './reasons.ts';
import type { LoadedRole } from './state.ts';
import { effectiveLeeways, type Leeways } from './times.ts';
import { ALL_ALGS, MAX_TOKEN_BYTES, MalformedToken, parseCompact, type ParsedToken } from './token.ts';
import type { Trace } from './trace.ts';

export interface PipelineInput {
  trace: Trace;
  config: JwtConfig;
  trust: () => Promise<TrustSet>;
  loaded: LoadedRole;
  /** The compact JWT (login, explain with {jwt}). */
  jwt?: string;
  /** Claims taken as given, without a signature (explain with {claims}). */
  claims?: Record<string, unknown>;
  /** The client address; undefined skips the CIDR check (explain). */
  remoteAddress?: string;
  nowMs: number;
  /** Explain: one verification per key source for all roles. */
  verifyMemo?: Map<TrustedIssuer, Promise<VerifyOutcome>>;
}

export interface PipelineResult {
  claims: Record<string, unknown>;
  userName: string | undefined;
  mapped: Record<string, string>;
  groups: string[];
  platform: Platform | undefined;
  /** exp, or the exp derived with the expiration leeway (seconds). */
  exp: number;
  leeways: Leeways;
}

/** Steps 5-10 for a JWT: size, CIDR, parse, issuer choice, key material, signature. */
async function verifyToken(input: PipelineInput, jwt: string): Promise<{ claims: Record<string, unknown>; entry?: TrustedIssuer; parsed: ParsedToken }> {
  const t: Trace = input.trace;
  if (jwt.length > MAX_TOKEN_BYTES) {
    t.fatal('token', {
      code: REASONS.TOKEN_TOO_LARGE,
      message: `token is too large: ${jwt.length} bytes, the limit is ${MAX_TOKEN_BYTES}`,
    }, () => ({ expected: `at most ${MAX_TOKEN_BYTES} bytes`, actual: `${jwt.length} bytes` }));
  }
  checkCidrs(input);

  let parsed: ParsedToken | undefined;
  let parseError: string | undefined;
  try {
    parsed = parseCompact(jwt);
  } catch (e) {
    if (!(e instanceof MalformedToken)) throw e;
    parseError = e.message;
  }

  let trust: TrustSet;
  try {
    trust = await input.trust();
  } catch (e) {
    t.fatal('keys', { code: REASONS.JWKS_UNAVAILABLE, message: `error configuring token validator: ${e instanceof Error ? e.message : String(e)}` });
  }
  const entry = trust.select(parsed?.payload.iss);
  if (!entry && parsed) {
    t.fatal('issuer', ISSUER_FAILURE, () => ({ expected: trust.names(), actual: displayValue(parsed.payload.iss) }));
  }
  if (entry) {
    try {
      await entry.keys.prepare();
    } catch (e) {
      t.fatal('keys', { code: REASONS.JWKS_UNAVAILABLE, message: `error configuring token validator: ${e instanceof Error ? e.message : String(e)}` }, () => ({
        expected: entry.keys.describe,
      }));
    }
    t.pass('keys', () => ({ claim: 'iss', expected: entry.label === 'config' ? 'the mount config' : entry.issuer, actual: entry.keys.describe }));
  }
  if (!parsed || !entry) {
    t.fatal('signature', { code: REASONS.MALFORMED, message: tokenError(`error verifying token signature: oidc: malformed jwt: ${parseError ?? 'unparsable'}`) });
  }

  let outcome: Promise<VerifyOutcome> | undefined = input.verifyMemo?.get(entry);
  if (!outcome) {
    outcome = entry.keys.verify(parsed);
    input.verifyMemo?.set(entry, outcome);
  }
  const result = await outcome;
  if (!result.ok) {
    const failure = { code: result.code, message: tokenError(`error verifying token signature: ${result.cause}`) };
    const details = () => ({ expected: { keys: entry.keys.describe, kid: parsed.kid ?? null }, actual: { alg: parsed.alg } });
    if (result.code === REASONS.MALFORMED) t.fatal('signature', failure, details);
    t.fail('signature', failure, details);
    return { claims: parsed.payload, entry, parsed };
  }
  t.pass('signature', () => ({ expected: { keys: entry.keys.describe, kid: parsed.kid ?? null }, actual: { alg: parsed.alg, verified: true } }));
  return { claims: result.claims, entry, parsed };
}

function checkCidrs(input: PipelineInput): void {
  const cidrs = input.loaded.role.token_bound_cidrs;
  if (input.remoteAddress === undefined || cidrs.length === 0) return;
  const addr = input.remoteAddress;
  input.trace.check(
    'bound_cidrs',
    addressInCidrs(addr, cidrs),
    () => ({ code: REASONS.CIDR, message: 'permission denied', status: 403 }),
    () => ({ expected: cidrs, actual: addr }),
  );
}

/** Runs the pipeline from step 4 on. Login traces throw on the first failure. */
export async function runPipeline(input: PipelineInput): Promise<PipelineResult> {
  const t: Trace = input.trace;
  const { role } = input.loaded;
  t.check(
    'role_type',
    role.role_type !== 'oidc',
    () => ({ code: REASONS.ROLE_TYPE, message: 'role with oidc role_type is not allowed' }),
    () => ({ expected: 'jwt', actual: role.role_type }),
  );

  let claims: Record<string, unknown>;
  let entry: TrustedIssuer | undefined;
  let alg: string | undefined;
  if (input.claims) {
    claims = input.claims;
    let trust: TrustSet | undefined;
    try {
      trust = await input.trust();
    } catch {
      trust = undefined;
    }
    entry = trust?.select(claims.iss);
    if (trust && !entry) t.fail('issuer', ISSUER_FAILURE, () => ({ expected: trust.names(), actual: displayValue(claims.iss) }));
  } else {
    const jwt = input.jwt ?? '';
    if (jwt === '') t.fatal('token', { code: REASONS.TOKEN_MISSING, message: 'missing token' });
    const v = await verifyToken(input, jwt);
    claims = v.claims;
    entry = v.entry;
    alg = v.parsed.alg;
  }

  checkClaimShapes(t, claims);
  if (alg !== undefined) {
    const allowed = input.config.jwt_supported_algs.length > 0 ? input.config.jwt_supported_algs : [...ALL_ALGS];
    const a = alg;
    t.check(
      'algorithm',
      allowed.includes(a),
      () => ({ code: REASONS.ALGORITHM, message: tokenError('invalid algorithm (alg) header parameter: token signed with unexpected algorithm') }),
      () => ({ expected: allowed, actual: a }),
    );
  }
  checkIssuerAndAudience(t, role, claims, entry);
  const leeways = effectiveLeeways(role);
  const exp = checkTimeClaims(t, claims, leeways, input.nowMs);

  const aud = audiences(claims.aud) ?? [];
  if ((role.bound_audiences ?? []).length === 0) {
    t.check(
      'audience',
      aud.length === 0,
      () => ({ code: REASONS.AUDIENCE, message: 'audience claim found in JWT but no audiences bound to the role', claim: 'aud' }),
      () => ({ claim: 'aud', expected: 'no audience (role has no bound_audiences)', actual: aud }),
    );
  }

  const userName = extractUser(t, role, claims);
  const mapped = extractMappings(t, role, claims);
  const groups = extractGroups(t, role, claims);
  checkBoundClaims(t, input.loaded, claims, input.nowMs);

  if (role.token_expires_with_jwt) {
    const remaining = Math.floor(exp - input.nowMs / 1000);
    t.check(
      'token_expires_with_jwt',
      remaining >= 1,
      () => ({ code: REASONS.EXPIRED, message: tokenError('invalid expiration time (exp) claim: token is expired'), claim: 'exp' }),
      () => ({ claim: 'exp', expected: 'at least 1s left', actual: `${remaining}s left` }),
    );
  }

  const iss = claims.iss;
  const platform = entry ? platformOf(entry, iss) : recognisePlatform(typeof iss === 'string' ? iss : '');
  return { claims, userName, mapped, groups, platform, exp, leeways };
}
