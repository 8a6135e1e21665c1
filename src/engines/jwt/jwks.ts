/**
 * A JWKS cache per issuer and the key source that verifies with it (spec/auth.md 3.8).
 *
 * - Keys are fetched lazily on the first login and kept without expiry.
 * - When no key verifies a token, the JWKS is fetched again and the token retried, so a rotated
 *   key works at once. Refetches are single-flight (concurrent logins share one HTTP call) and
 *   rate-limited per issuer: at most one every UNKNOWN_KID_COOLDOWN_MS when the token's kid is
 *   unknown (or it has none), one every BAD_SIGNATURE_COOLDOWN_MS when a key with that kid exists
 *   but the signature does not verify (a forged token must not make Keep hammer the issuer).
 * - A failed fetch keeps the keys already held (served stale while the issuer is down) and is
 *   reported as `fetching keys oidc: get keys failed ...`; a first fetch that failed is not
 *   retried within UNKNOWN_KID_COOLDOWN_MS (logins meanwhile get the same error at once).
 * - Every fetch has a deadline (5 s by default), so a hanging endpoint costs bounded time.
 */
import { importJWK, type JWK } from 'jose';
import { FetchError, httpGet, type FetchResult } from './fetch.ts';
import { malformedOutcome, verifyWith, type KeySource, type VerifyOutcome } from './keys.ts';
import { REASONS } from './reasons.ts';
import { MalformedToken, isSupportedAlg, type ParsedToken } from './token.ts';

export const UNKNOWN_KID_COOLDOWN_MS = 5_000;
/**
 * Refetches for unknown kids are at least this far apart (per issuer). A login that needs one
 * sooner waits for it instead of failing, so a key rotated right after a fetch is picked up.
 */
export const UNKNOWN_KID_MIN_INTERVAL_MS = 1_000;
export const BAD_SIGNATURE_COOLDOWN_MS = 30_000;
const BODY_IN_ERROR = 256;

export interface FetchDeps {
  /** Clock (unix ms) for cooldowns. */
  now: () => number;
  timeoutMs: number;
  get?: (url: string, opts: { caPem?: string; timeoutMs?: number }) => Promise<FetchResult>;
}

type RefreshResult = { status: 'fetched' } | { status: 'failed'; error: string } | { status: 'cooldown' };

function clip(text: string): string {
  return text.length > BODY_IN_ERROR ? `${text.slice(0, BODY_IN_ERROR)}...` : text;
}

/** Fetches and decodes a JWKS; throws Error with go-oidc's cause text. */
export async function fetchJwks(url: string, caPem: string, deps: FetchDeps): Promise<JWK[]> {
  const get = deps.get ?? httpGet;
  let res: FetchResult;
  try {
    res = await get(url, { caPem: caPem || undefined, timeoutMs: deps.timeoutMs });
  } catch (e) {
    const cause = e instanceof FetchError || e instanceof Error ? e.message : String(e);
    throw new Error(`oidc: get keys failed ${cause}`);
  }
  if (res.status !== 200) throw new Error(`oidc: get keys failed: ${res.statusText} ${clip(res.body)}`);
  let doc: unknown;
  try {
    doc = JSON.parse(res.body);
  } catch {
    throw new Error(`oidc: failed to decode keys: invalid JSON ${clip(res.body)}`);
  }
  const keys = (doc as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) throw new Error(`oidc: failed to decode keys: no "keys" array ${clip(res.body)}`);
  return keys.filter((k): k is JWK => typeof k === 'object' && k !== null && !Array.isArray(k));
}

export class JwksCache {
  private keys: JWK[] | undefined;
  private lastAttempt = Number.NEGATIVE_INFINITY;
  private lastError: string | undefined;
  private inflight: Promise<RefreshResult> | undefined;
  /** kid -> start time of the fetch after which it was still unknown. */
  private readonly missedKids = new Map<string, number>();
  private readonly imported = new WeakMap<JWK, Map<string, Promise<unknown>>>();
  /** Number of HTTP fetches made (tests, metrics). */
  fetches = 0;

  constructor(
    readonly url: string,
    private readonly caPem: string,
    private readonly deps: FetchDeps,
  ) {}

  /** The cached keys, fetching them the first time; throws Error(cause) when none can be had. */
  async current(): Promise<JWK[]> {
    if (this.keys) return this.keys;
    const r = await this.refresh(UNKNOWN_KID_COOLDOWN_MS);
    if (this.keys) return this.keys;
    throw new Error(r.status === 'failed' ? r.error : (this.lastError ?? 'oidc: get keys failed'));
  }

  /** Fetches again unless a fetch started less than `cooldownMs` ago; joins one under way. */
  refresh(cooldownMs: number): Promise<RefreshResult> {
    if (this.inflight) return this.inflight;
    const now = this.deps.now();
    if (now - this.lastAttempt < cooldownMs) {
      return Promise.resolve(this.lastError !== undefined && !this.keys ? { status: 'failed', error: this.lastError } : { status: 'cooldown' });
    }
    return this.fetchNow();
  }

  /**
   * Refetch for a token whose kid is not cached: skipped when the same kid was already missing
   * after the latest fetch (within the cooldown); otherwise at most one fetch per
   * UNKNOWN_KID_MIN_INTERVAL_MS, waiting out the remainder rather than failing.
   */
  refreshForUnknownKid(kid: string | undefined): Promise<RefreshResult> {
    if (this.inflight) return this.inflight;
    const now = this.deps.now();
    if (kid !== undefined && this.missedKids.get(kid) === this.lastAttempt && now - this.lastAttempt < UNKNOWN_KID_COOLDOWN_MS) {
      return Promise.resolve({ status: 'cooldown' });
    }
    const wait = this.lastAttempt + UNKNOWN_KID_MIN_INTERVAL_MS - now;
    if (wait <= 0) return this.fetchNow();
    const delayed = new Promise<void>((resolve) => setTimeout(resolve, Math.min(wait, UNKNOWN_KID_MIN_INTERVAL_MS)).unref()).then(() =>
      this.fetchNow(true),
    );
    const tracked: Promise<RefreshResult> = delayed.finally(() => {
      if (this.inflight === tracked) this.inflight = undefined;
    });
    this.inflight = tracked;
    return tracked;
  }

  /** Records that `kid` was not in the key set fetched last. */
  noteMissing(kid: string | undefined): void {
    if (kid === undefined) return;
    if (this.missedKids.size >= 1000) this.missedKids.clear();
    this.missedKids.set(kid, this.lastAttempt);
  }

  private fetchNow(joined = false): Promise<RefreshResult> {
    if (this.inflight && !joined) return this.inflight;
    const now = this.deps.now();
    this.lastAttempt = now;
    this.fetches++;
    const run = fetchJwks(this.url, this.caPem, this.deps).then(
      (keys): RefreshResult => {
        this.keys = keys;
        this.lastError = undefined;
        return { status: 'fetched' };
      },
      (e: unknown): RefreshResult => {
        this.lastError = e instanceof Error ? e.message : String(e);
        return { status: 'failed', error: this.lastError };
      },
    );
    if (joined) return run;
    this.inflight = run.finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  /** The imported key of a JWK for an algorithm (cached). */
  importKey(jwk: JWK, alg: string): Promise<unknown> {
    let byAlg = this.imported.get(jwk);
    if (!byAlg) {
      byAlg = new Map();
      this.imported.set(jwk, byAlg);
    }
    let p = byAlg.get(alg);
    if (!p) {
      p = importJWK(jwk, alg).catch(() => undefined);
      byAlg.set(alg, p);
    }
    return p;
  }

  get cached(): JWK[] | undefined {
    return this.keys;
  }
}

const CRV: Record<string, string> = { ES256: 'P-256', ES384: 'P-384', ES512: 'P-521' };

function jwkFits(jwk: JWK, alg: string): boolean {
  if (jwk.use !== undefined && jwk.use !== 'sig') return false;
  if (jwk.alg !== undefined && jwk.alg !== alg) return false;
  if (alg.startsWith('RS') || alg.startsWith('PS')) return jwk.kty === 'RSA';
  if (alg.startsWith('ES')) return jwk.kty === 'EC' && jwk.crv === CRV[alg];
  if (alg === 'EdDSA') return jwk.kty === 'OKP' && jwk.crv === 'Ed25519';
  return false;
}

type Attempt = { claims: Record<string, unknown> } | { found: boolean };

async function attempt(cache: JwksCache, keys: JWK[], token: ParsedToken): Promise<Attempt> {
  const byKid = token.kid === undefined ? keys : keys.filter((k) => k.kid === token.kid);
  const candidates = byKid.filter((k) => jwkFits(k, token.alg));
  for (const jwk of candidates) {
    const key = await cache.importKey(jwk, token.alg);
    if (key === undefined) continue;
    const claims = await verifyWith(token, key as Parameters<typeof verifyWith>[1]);
    if (claims) return { claims };
  }
  return { found: token.kid !== undefined && byKid.length > 0 };
}

const NOT_VERIFIED = 'failed to verify id token signature';

/** Verifies with a JWKS cache; refetches on a miss (see the file comment). */
export async function verifyWithJwks(cache: JwksCache, token: ParsedToken): Promise<VerifyOutcome> {
  if (!isSupportedAlg(token.alg)) return { ok: false, code: REASONS.SIGNATURE, cause: NOT_VERIFIED };
  try {
    let keys: JWK[];
    try {
      keys = await cache.current();
    } catch (e) {
      return { ok: false, code: REASONS.JWKS_UNAVAILABLE, cause: `fetching keys ${e instanceof Error ? e.message : String(e)}` };
    }
    const first = await attempt(cache, keys, token);
    if ('claims' in first) return { ok: true, claims: first.claims };
    const r = first.found ? await cache.refresh(BAD_SIGNATURE_COOLDOWN_MS) : await cache.refreshForUnknownKid(token.kid);
    if (r.status === 'failed') return { ok: false, code: REASONS.JWKS_UNAVAILABLE, cause: `fetching keys ${r.error}` };
    let found = first.found;
    if (r.status === 'fetched' && cache.cached) {
      const second = await attempt(cache, cache.cached, token);
      if ('claims' in second) return { ok: true, claims: second.claims };
      found = second.found;
      if (!found) cache.noteMissing(token.kid);
    }
    return { ok: false, code: found ? REASONS.SIGNATURE : REASONS.KEY_NOT_FOUND, cause: NOT_VERIFIED };
  } catch (e) {
    if (e instanceof MalformedToken) return malformedOutcome(e);
    throw e;
  }
}

/** `jwks_url` mode. */
export class JwksKeys implements KeySource {
  readonly cache: JwksCache;

  constructor(
    readonly url: string,
    caPem: string,
    deps: FetchDeps,
  ) {
    this.cache = new JwksCache(url, caPem, deps);
  }

  get describe(): string {
    return this.url;
  }

  async prepare(): Promise<void> {}

  verify(token: ParsedToken): Promise<VerifyOutcome> {
    return verifyWithJwks(this.cache, token);
  }
}
