/**
 * Keep's role-write warnings (the write still succeeds): a role that binds nothing beyond the
 * audience; a glob that matches every value; a binding on a mutable name where the platform has
 * a stable id claim; token_ttl over one hour; claim mappings onto the ci_* attribution keys;
 * bound_issuers the config does not trust.
 */
import { formatShortDuration } from '../../framework/duration.ts';
import { recognisePlatform, stableIdClaims, type Platform } from './attribution.ts';
import { globMatchesEverything, normalizeList } from './claims.ts';
import { topLevelSource, type JwtConfig } from './config-model.ts';
import type { JwtRole } from './role-model.ts';

const ONE_HOUR = 3600;

interface KnownIssuer {
  issuer: string;
  platform: Platform | undefined;
}

/** The issuers a config names, with their platforms. */
export function configIssuers(config: JwtConfig): KnownIssuer[] {
  const out: KnownIssuer[] = [];
  let top: ReturnType<typeof topLevelSource> | undefined;
  try {
    top = topLevelSource(config);
  } catch {
    top = undefined;
  }
  if (top && top.count > 0) {
    const iss = top.bound_issuer || top.oidc_discovery_url;
    if (iss !== '' || config.preset !== '') out.push({ issuer: iss, platform: recognisePlatform(iss, config.preset || undefined) });
  }
  for (const e of config.issuers) out.push({ issuer: e.resolved_issuer, platform: recognisePlatform(e.resolved_issuer, e.preset || undefined) });
  return out;
}

/** Platforms a role's tokens can come from: the config's, else the role's bound issuers'. */
export function rolePlatforms(role: JwtRole, config: JwtConfig | undefined): Set<Platform> {
  const set = new Set<Platform>();
  const known = config ? configIssuers(config) : [];
  const relevant = role.bound_issuers.length > 0 && known.length > 0 ? known.filter((k) => role.bound_issuers.includes(k.issuer)) : known;
  for (const k of relevant) if (k.platform) set.add(k.platform);
  if (set.size === 0) {
    for (const iss of role.bound_issuers) {
      const p = recognisePlatform(iss);
      if (p) set.add(p);
    }
  }
  return set;
}

function plainKey(key: string): string {
  return key.startsWith('/') && key.indexOf('/', 1) < 0 ? key.slice(1).replaceAll('~1', '/').replaceAll('~0', '~') : key;
}

export function roleWarnings(role: JwtRole, config: JwtConfig | undefined): string[] {
  const warnings: string[] = [];
  const claims = role.bound_claims ?? {};
  const keys = Object.keys(claims).sort();

  if (role.role_type === 'jwt' && role.bound_subject === '' && keys.length === 0 && role.claims_condition === '') {
    warnings.push(
      'role binds no claim beyond the audience: any token of a trusted issuer with that audience can log in; bind bound_claims, bound_subject or claims_condition',
    );
  }

  if (role.bound_claims_type === 'glob') {
    for (const k of keys) {
      for (const v of normalizeList(claims[k]) ?? []) {
        if (typeof v === 'string' && globMatchesEverything(v)) {
          warnings.push(`bound claim ${JSON.stringify(k)}: the glob ${JSON.stringify(v)} matches every value`);
        }
      }
    }
  }

  const bound = new Set(keys.map(plainKey));
  const said = new Set<string>();
  for (const platform of rolePlatforms(role, config)) {
    const stable = stableIdClaims(platform);
    for (const k of keys) {
      const name = plainKey(k);
      const id = stable[name];
      if (id === undefined || bound.has(id) || said.has(name)) continue;
      said.add(name);
      warnings.push(
        `bound claim ${JSON.stringify(k)} is a name that can change (rename or transfer); bind the stable ${JSON.stringify(id)} claim as well`,
      );
    }
  }

  if (role.token_ttl > ONE_HOUR) {
    warnings.push(`token_ttl of ${formatShortDuration(role.token_ttl)} is over one hour; a CI job rarely needs a token that long`);
  }

  for (const target of Object.values(role.claim_mappings ?? {})) {
    if (target.startsWith('ci_')) {
      warnings.push(`claim_mappings target ${JSON.stringify(target)} is a pipeline attribution key; attribution overwrites it when the platform is recognised`);
    }
  }

  if (config && role.bound_issuers.length > 0) {
    const trusted = new Set(configIssuers(config).map((k) => k.issuer));
    for (const iss of role.bound_issuers) {
      if (!trusted.has(iss)) warnings.push(`bound_issuers: ${JSON.stringify(iss)} is not an issuer this mount's config names`);
    }
  }
  return warnings;
}
