/**
 * OIDC discovery (spec/auth.md 3.2, 3.8): `<url without trailing slash>/.well-known/openid-configuration`,
 * whose `issuer` must equal the configured URL exactly and whose `jwks_uri` gives the keys. The
 * document is resolved once per config (a config write probes it and primes this cache) and
 * kept until the next config write; a failed resolution is retried on the next login.
 */
import { FetchError, httpGet, type FetchResult } from './fetch.ts';
import { JwksCache, verifyWithJwks, type FetchDeps } from './jwks.ts';
import type { KeySource, VerifyOutcome } from './keys.ts';
import type { ParsedToken } from './token.ts';

export interface DiscoveryDoc {
  issuer: string;
  jwks_uri: string;
}

export function wellKnownUrl(discoveryUrl: string): string {
  return `${discoveryUrl.replace(/\/+$/, '')}/.well-known/openid-configuration`;
}

/** Fetches and checks a discovery document; throws Error with go-oidc's cause text. */
export async function fetchDiscovery(discoveryUrl: string, caPem: string, deps: FetchDeps): Promise<DiscoveryDoc> {
  const get = deps.get ?? httpGet;
  let res: FetchResult;
  try {
    res = await get(wellKnownUrl(discoveryUrl), { caPem: caPem || undefined, timeoutMs: deps.timeoutMs });
  } catch (e) {
    throw new Error(e instanceof FetchError || e instanceof Error ? e.message : String(e));
  }
  if (res.status !== 200) throw new Error(`${res.statusText}: ${res.body.slice(0, 256)}`);
  let doc: unknown;
  try {
    doc = JSON.parse(res.body);
  } catch {
    throw new Error('oidc: failed to decode provider discovery object: invalid JSON');
  }
  const d = (doc ?? {}) as { issuer?: unknown; jwks_uri?: unknown };
  if (typeof d.issuer !== 'string' || d.issuer !== discoveryUrl) {
    throw new Error(
      `oidc: issuer did not match the issuer returned by provider, expected ${JSON.stringify(discoveryUrl)} got ${JSON.stringify(typeof d.issuer === 'string' ? d.issuer : '')}`,
    );
  }
  if (typeof d.jwks_uri !== 'string' || d.jwks_uri === '') throw new Error('oidc: discovery document has no jwks_uri');
  return { issuer: d.issuer, jwks_uri: d.jwks_uri };
}

/** Discovery mode: resolves the document once, then verifies with its JWKS. */
export class DiscoveryKeys implements KeySource {
  private doc: DiscoveryDoc | undefined;
  private inflight: Promise<DiscoveryDoc> | undefined;
  private cache: JwksCache | undefined;

  constructor(
    readonly url: string,
    private readonly caPem: string,
    private readonly deps: FetchDeps,
    primed?: DiscoveryDoc,
  ) {
    this.doc = primed;
  }

  get describe(): string {
    return this.url;
  }

  async resolve(): Promise<DiscoveryDoc> {
    if (this.doc) return this.doc;
    this.inflight ??= fetchDiscovery(this.url, this.caPem, this.deps).finally(() => {
      this.inflight = undefined;
    });
    this.doc = await this.inflight;
    return this.doc;
  }

  async prepare(): Promise<void> {
    const doc = await this.resolve();
    this.cache ??= new JwksCache(doc.jwks_uri, this.caPem, this.deps);
  }

  async verify(token: ParsedToken): Promise<VerifyOutcome> {
    await this.prepare();
    return verifyWithJwks(this.cache as JwksCache, token);
  }

  get jwks(): JwksCache | undefined {
    return this.cache;
  }
}
