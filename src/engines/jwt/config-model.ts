/**
 * The mount config (spec/auth.md 3.2) as stored, its read `data`, and the effective key source
 * of the top level once a Keep `preset` is applied. Keep extensions (`preset` with its
 * parameters, `issuers`) are stored beside Vault's fields and read back only when set.
 */
import { resolvePreset, type IssuerFacts } from './presets.ts';

export interface IssuerEntry {
  /** As written ('' when omitted). */
  issuer: string;
  oidc_discovery_url: string;
  oidc_discovery_ca_pem: string;
  jwks_url: string;
  jwks_ca_pem: string;
  jwt_validation_pubkeys: string[];
  preset: string;
  gitlab_url: string;
  org_id: string;
  workspace: string;
  bound_audiences: string[];
  /** The `iss` this entry is selected by: the given issuer, the discovery document's, or the preset's. */
  resolved_issuer: string;
}

export interface JwtConfig {
  oidc_discovery_url: string;
  oidc_discovery_ca_pem: string;
  oidc_client_id: string;
  oidc_client_secret: string;
  oidc_response_mode: string;
  oidc_response_types: string[];
  jwks_url: string;
  jwks_ca_pem: string;
  jwks_pairs: unknown[];
  jwt_validation_pubkeys: string[];
  jwt_supported_algs: string[];
  bound_issuer: string;
  default_role: string;
  provider_config: Record<string, unknown>;
  namespace_in_state: boolean;
  unsupported_critical_cert_extensions: string[];
  preset: string;
  gitlab_url: string;
  org_id: string;
  workspace: string;
  issuers: IssuerEntry[];
}

export const ISSUER_ENTRY_STRING_FIELDS = [
  'issuer',
  'oidc_discovery_url',
  'oidc_discovery_ca_pem',
  'jwks_url',
  'jwks_ca_pem',
  'preset',
  'gitlab_url',
  'org_id',
  'workspace',
] as const;
export const ISSUER_ENTRY_LIST_FIELDS = ['jwt_validation_pubkeys', 'bound_audiences'] as const;

/** The config `data` of `GET config` (the client secret is never returned). */
export function configReadData(c: JwtConfig): Record<string, unknown> {
  const data: Record<string, unknown> = {
    bound_issuer: c.bound_issuer,
    default_role: c.default_role,
    jwks_ca_pem: c.jwks_ca_pem,
    jwks_pairs: [...c.jwks_pairs],
    jwks_url: c.jwks_url,
    jwt_supported_algs: [...c.jwt_supported_algs],
    jwt_validation_pubkeys: [...c.jwt_validation_pubkeys],
    namespace_in_state: c.namespace_in_state,
    oidc_client_id: c.oidc_client_id,
    oidc_discovery_ca_pem: c.oidc_discovery_ca_pem,
    oidc_discovery_url: c.oidc_discovery_url,
    oidc_response_mode: c.oidc_response_mode,
    oidc_response_types: [...c.oidc_response_types],
    provider_config: { ...c.provider_config },
    unsupported_critical_cert_extensions: [...c.unsupported_critical_cert_extensions],
  };
  if (c.preset !== '') {
    data.preset = c.preset;
    for (const k of ['gitlab_url', 'org_id', 'workspace'] as const) if (c[k] !== '') data[k] = c[k];
  }
  if (c.issuers.length > 0) data.issuers = c.issuers.map(issuerEntryReadData);
  return data;
}

export function issuerEntryReadData(e: IssuerEntry): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of ISSUER_ENTRY_STRING_FIELDS) if (e[k] !== '') out[k] = e[k];
  for (const k of ISSUER_ENTRY_LIST_FIELDS) if (e[k].length > 0) out[k] = [...e[k]];
  return out;
}

/** Where the top level (Vault's fields, possibly filled by a preset) gets its keys. */
export interface TopLevelSource {
  oidc_discovery_url: string;
  jwks_url: string;
  jwt_validation_pubkeys: string[];
  jwks_pairs: unknown[];
  /** iss must equal this when non-empty (step 11). */
  bound_issuer: string;
  /** The preset's facts when a preset is set. */
  facts?: IssuerFacts;
  /** Number of key sources (Vault's exactly-one rule). */
  count: number;
}

type SourceFields = Pick<JwtConfig, 'oidc_discovery_url' | 'jwks_url' | 'jwt_validation_pubkeys' | 'bound_issuer' | 'preset' | 'gitlab_url' | 'org_id' | 'workspace'> & {
  jwks_pairs?: unknown[];
};

/**
 * Applies a preset to explicit fields: explicit key sources win; the preset's key source is used
 * only when none is given. The issuer to check is the explicit `bound_issuer`, else (with a
 * preset) the discovery URL when discovery is explicit, else the preset's issuer. Throws the
 * preset's 400 for a bad preset.
 */
export function topLevelSource(c: SourceFields): TopLevelSource {
  const pairs = c.jwks_pairs ?? [];
  const explicit =
    (c.oidc_discovery_url !== '' ? 1 : 0) + (c.jwks_url !== '' ? 1 : 0) + (c.jwt_validation_pubkeys.length > 0 ? 1 : 0) + (pairs.length > 0 ? 1 : 0);
  const src: TopLevelSource = {
    oidc_discovery_url: c.oidc_discovery_url,
    jwks_url: c.jwks_url,
    jwt_validation_pubkeys: c.jwt_validation_pubkeys,
    jwks_pairs: pairs,
    bound_issuer: c.bound_issuer,
    count: explicit,
  };
  if (c.preset === '') return src;
  const facts = resolvePreset({ preset: c.preset, gitlab_url: c.gitlab_url, org_id: c.org_id, workspace: c.workspace });
  src.facts = facts;
  if (explicit === 0) {
    src.oidc_discovery_url = facts.oidc_discovery_url ?? '';
    src.jwks_url = facts.oidc_discovery_url ? '' : (facts.jwks_url ?? '');
    src.count = src.oidc_discovery_url !== '' || src.jwks_url !== '' ? 1 : 0;
  }
  if (src.bound_issuer === '') {
    src.bound_issuer = explicit > 0 && c.oidc_discovery_url !== '' ? c.oidc_discovery_url : facts.issuer;
  }
  return src;
}
