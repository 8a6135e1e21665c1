/**
 * The trusted issuers of a config, with their key sources (built once per config version; a
 * config write drops them, and with them every JWKS and discovery cache).
 *
 * The token's unverified `iss` only selects key material: an `issuers` entry whose issuer equals
 * it exactly, else the top-level source (Vault's fields) if there is one. The signature is then
 * verified with that entry's keys, and the verified `iss` is checked again (step 11).
 */
import type { KeyObject } from 'node:crypto';
import { recognisePlatform, type Platform } from './attribution.ts';
import { topLevelSource, type JwtConfig } from './config-model.ts';
import { DiscoveryKeys, type DiscoveryDoc } from './discovery.ts';
import { JwksKeys, type FetchDeps } from './jwks.ts';
import { StaticKeys, parsePublicKeyPem, type KeySource } from './keys.ts';

export interface TrustedIssuer {
  /** `config` or `issuers[<i>]`. */
  label: string;
  /** iss that selects this entry ('' for the top level, which takes any other iss). */
  issuer: string;
  /** iss must equal this when non-empty (step 11). */
  boundIssuer: string;
  preset?: string;
  /** Extra audiences the token must carry one of (issuers entries). */
  boundAudiences: string[];
  keys: KeySource;
}

export class TrustSet {
  private readonly byIssuer = new Map<string, TrustedIssuer>();

  constructor(
    readonly entries: readonly TrustedIssuer[],
    readonly topLevel: TrustedIssuer | undefined,
  ) {
    for (const e of entries) this.byIssuer.set(e.issuer, e);
  }

  /** The entry for an (unverified) iss; undefined when nothing trusts it. */
  select(iss: unknown): TrustedIssuer | undefined {
    if (typeof iss === 'string') {
      const hit = this.byIssuer.get(iss);
      if (hit) return hit;
    }
    return this.topLevel;
  }

  /** The issuers named by this config (for traces and warnings). */
  names(): string[] {
    const out = this.entries.map((e) => e.issuer);
    if (this.topLevel?.boundIssuer) out.push(this.topLevel.boundIssuer);
    return out;
  }
}

/** The platform of a token verified through `entry`. */
export function platformOf(entry: TrustedIssuer, iss: unknown): Platform | undefined {
  return recognisePlatform(typeof iss === 'string' ? iss : '', entry.preset === '' ? undefined : entry.preset);
}

function staticKeys(pems: readonly string[]): StaticKeys {
  const keys: KeyObject[] = pems.map((p) => {
    try {
      return parsePublicKeyPem(p);
    } catch (e) {
      throw new Error(`error parsing public key: ${e instanceof Error ? e.message : String(e)}`);
    }
  });
  return new StaticKeys(keys);
}

function source(
  s: { oidc_discovery_url: string; jwks_url: string; jwt_validation_pubkeys: readonly string[] },
  discoveryCa: string,
  jwksCa: string,
  deps: FetchDeps,
  primed: ReadonlyMap<string, DiscoveryDoc>,
): KeySource | undefined {
  if (s.jwt_validation_pubkeys.length > 0) return staticKeys(s.jwt_validation_pubkeys);
  if (s.jwks_url !== '') return new JwksKeys(s.jwks_url, jwksCa, deps);
  if (s.oidc_discovery_url !== '') return new DiscoveryKeys(s.oidc_discovery_url, discoveryCa, deps, primed.get(s.oidc_discovery_url));
  return undefined;
}

/** Builds the trust set of a stored config; throws Error(cause) when stored keys do not parse. */
export function buildTrustSet(config: JwtConfig, deps: FetchDeps, primed: ReadonlyMap<string, DiscoveryDoc> = new Map()): TrustSet {
  const top = topLevelSource(config);
  const topKeys = source(top, config.oidc_discovery_ca_pem, config.jwks_ca_pem, deps, primed);
  const topLevel: TrustedIssuer | undefined = topKeys
    ? { label: 'config', issuer: '', boundIssuer: top.bound_issuer, preset: config.preset, boundAudiences: [], keys: topKeys }
    : undefined;
  const entries: TrustedIssuer[] = [];
  config.issuers.forEach((e, i) => {
    const explicit = e.oidc_discovery_url !== '' || e.jwks_url !== '' || e.jwt_validation_pubkeys.length > 0;
    let s = { oidc_discovery_url: e.oidc_discovery_url, jwks_url: e.jwks_url, jwt_validation_pubkeys: e.jwt_validation_pubkeys };
    if (!explicit && e.preset !== '') {
      const facts = topLevelSource({ ...e, bound_issuer: '', jwt_validation_pubkeys: [] });
      s = { oidc_discovery_url: facts.oidc_discovery_url, jwks_url: facts.jwks_url, jwt_validation_pubkeys: [] };
    }
    const keys = source(s, e.oidc_discovery_ca_pem, e.jwks_ca_pem || e.oidc_discovery_ca_pem, deps, primed);
    if (!keys) return;
    entries.push({
      label: `issuers[${i}]`,
      issuer: e.resolved_issuer,
      boundIssuer: e.resolved_issuer,
      preset: e.preset,
      boundAudiences: e.bound_audiences,
      keys,
    });
  });
  return new TrustSet(entries, topLevel);
}
