/**
 * Minting a platform's job token from its fixture: the fixture's claims (plus an optional named
 * variant), the caller's overrides, the dev issuer's `iss`, fresh `iat`/`nbf`/`exp` and `jti`.
 */
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { parseDuration } from '../framework/duration.ts';
import { applyDerivedClaims } from './derive.ts';
import type { SigningKey } from './keys.ts';
import type { IssuerPlatform, PlatformFixture } from './platforms.ts';

type Claims = Record<string, unknown>;

/** What a caller may change in a minted token. */
export interface MintOptions {
  /** Audience; one value keeps the fixture's shape (a list stays a list), several give a list. */
  aud?: string | string[];
  /** Claims set as given (JSON values). Applied after `claimArgs`. */
  claims?: Claims;
  /**
   * `k=v` overrides as typed on a command line: an existing claim keeps the fixture's type
   * (`run_attempt=2` stays the string "2"; `build_number=7` stays a number); a new claim is
   * JSON-typed when its text parses as JSON, else a string. `k:=<json>` sets the raw JSON value.
   */
  claimArgs?: string[];
  /** Claims to delete. */
  remove?: string[];
  /** A named overlay from the fixture's `variants` (e.g. `pull_request`, `tag_push`). */
  variant?: string;
  /** Lifetime: seconds or a duration (`5m`); default the platform's. Negative gives an expired token. */
  ttl?: number | string;
  /** The time to mint at, in seconds (default now). */
  now?: number;
}

/** A bad mint request (unknown variant, malformed claim argument, ...). */
export class MintError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MintError';
  }
}

function isObject(v: unknown): v is Claims {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function tryJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

/**
 * The value of one `k=v` override given the claim's current value (undefined when new).
 * @throws MintError when the text does not fit the existing claim's type.
 */
export function coerceClaimValue(name: string, existing: unknown, text: string): unknown {
  if (typeof existing === 'string') return text;
  if (typeof existing === 'number') {
    const n = Number(text);
    if (text.trim() === '' || !Number.isFinite(n)) throw new MintError(`claim "${name}" is a number; "${text}" is not (use ${name}:=<json> for another type)`);
    return n;
  }
  if (typeof existing === 'boolean') {
    if (text === 'true' || text === 'false') return text === 'true';
    throw new MintError(`claim "${name}" is a boolean; "${text}" is neither true nor false (use ${name}:=<json> for another type)`);
  }
  const parsed = tryJson(text);
  if (Array.isArray(existing)) {
    if (parsed.ok && Array.isArray(parsed.value)) return parsed.value;
    return [text];
  }
  if (isObject(existing)) {
    if (parsed.ok && isObject(parsed.value)) return parsed.value;
    throw new MintError(`claim "${name}" is an object; give a JSON object`);
  }
  return parsed.ok ? parsed.value : text;
}

/**
 * Applies `k=v` / `k:=json` arguments to `claims` (in place); returns the names set.
 * @throws MintError for a malformed argument.
 */
export function applyClaimArgs(claims: Claims, args: string[]): string[] {
  const names: string[] = [];
  for (const arg of args) {
    const eq = arg.indexOf('=');
    if (eq <= 0) throw new MintError(`invalid claim "${arg}": format must be name=value or name:=<json>`);
    let name = arg.slice(0, eq);
    const text = arg.slice(eq + 1);
    if (name.endsWith(':') && name.length > 1) {
      name = name.slice(0, -1);
      const parsed = tryJson(text);
      if (!parsed.ok) throw new MintError(`invalid claim "${arg}": the value after := must be JSON`);
      claims[name] = parsed.value;
    } else {
      claims[name] = coerceClaimValue(name, claims[name], text);
    }
    names.push(name);
  }
  return names;
}

/** Lifetime in seconds from a number or duration text. @throws MintError */
export function parseTtl(ttl: number | string): number {
  try {
    return parseDuration(ttl);
  } catch (e) {
    throw new MintError(`invalid ttl: ${(e as Error).message}`);
  }
}

function applyVariant(claims: Claims, fixture: PlatformFixture, variant: string): void {
  const overlay = fixture.variants?.[variant];
  if (!overlay) {
    const names = Object.keys(fixture.variants ?? {});
    throw new MintError(`unknown variant "${variant}"; this platform has: ${names.length ? names.join(', ') : '(none)'}`);
  }
  for (const [k, v] of Object.entries(overlay)) {
    if (k === '_remove' && Array.isArray(v)) for (const r of v) delete claims[String(r)];
    else if (!k.startsWith('_')) claims[k] = structuredClone(v);
  }
}

const TIME_CLAIMS = ['iat', 'nbf', 'exp'];

/**
 * The claim set of a token for `platform` issued by `issuerUrl`.
 * @throws MintError for a bad variant, claim argument or ttl.
 */
export function buildClaims(platform: IssuerPlatform, fixture: PlatformFixture, issuerUrl: string, opts: MintOptions = {}): Claims {
  const base = structuredClone(fixture.claims);
  if (opts.variant) applyVariant(base, fixture, opts.variant);
  const claims = structuredClone(base);
  const explicit = new Set<string>();
  for (const n of applyClaimArgs(claims, opts.claimArgs ?? [])) explicit.add(n);
  for (const [k, v] of Object.entries(opts.claims ?? {})) {
    claims[k] = v;
    explicit.add(k);
  }
  if (opts.aud !== undefined) {
    const list = Array.isArray(opts.aud) ? opts.aud : [opts.aud];
    claims.aud = list.length === 1 && !Array.isArray(base.aud) ? list[0] : list;
    explicit.add('aud');
  }
  for (const r of opts.remove ?? []) {
    delete claims[r];
    explicit.add(r);
  }
  applyDerivedClaims(platform, base, claims, explicit);
  if (!explicit.has('iss')) claims.iss = issuerUrl;

  const now = opts.now ?? Math.floor(Date.now() / 1000);
  const ttl = opts.ttl === undefined ? fixture.lifetime_seconds : parseTtl(opts.ttl);
  const iat = explicit.has('iat') && typeof claims.iat === 'number' ? claims.iat : now;
  const removed = new Set(opts.remove ?? []);
  if (!explicit.has('iat') && !removed.has('iat')) claims.iat = iat;
  if ('nbf' in base && !explicit.has('nbf') && !removed.has('nbf')) claims.nbf = iat - (fixture.nbf_skew_seconds ?? 0);
  if (!explicit.has('exp') && !removed.has('exp')) claims.exp = iat + ttl;
  for (const t of TIME_CLAIMS) if (claims[t] === 0 && !explicit.has(t)) delete claims[t];
  if ('jti' in base && !explicit.has('jti')) claims.jti = randomUUID();
  return claims;
}

/** Signs a claim set with `key`; the header carries alg, kid and the fixture's `typ` when it has one. */
export async function signClaims(claims: Claims, key: SigningKey, fixture: PlatformFixture): Promise<string> {
  const header: { alg: string; kid: string; typ?: string } = { alg: key.alg, kid: key.kid };
  if (typeof fixture.header?.typ === 'string') header.typ = fixture.header.typ;
  return new SignJWT(claims).setProtectedHeader(header).sign(key.privateKey);
}
