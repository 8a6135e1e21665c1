/**
 * Validation of a config write (spec/auth.md 3.2), in Vault's order and with its messages:
 * the exactly-one rule; client id/secret pairing; the discovery probe; client credentials
 * without discovery; jwks_pairs rules; the JWKS probe or public-key parsing; then
 * jwt_supported_algs, response types and mode. Keep's `preset` fills a missing key source first;
 * Keep's `issuers` entries are checked last (each probed like the top level). With `issuers`,
 * the top level may have no key source at all.
 */
import { badRequest, isKeepError } from '../../errors.ts';
import type { JwtConfig, IssuerEntry } from './config-model.ts';
import { ISSUER_ENTRY_LIST_FIELDS, ISSUER_ENTRY_STRING_FIELDS, topLevelSource } from './config-model.ts';
import { fetchDiscovery, type DiscoveryDoc } from './discovery.ts';
import { parseCaPem } from './fetch.ts';
import { fetchJwks, type FetchDeps } from './jwks.ts';
import { parsePublicKeyPem } from './keys.ts';
import { presetParamWarnings, resolvePreset } from './presets.ts';
import { ALL_ALGS } from './token.ts';

export interface ConfigWriteResult {
  config: JwtConfig;
  warnings: string[];
  /** Discovery documents fetched by the probes (prime the new config's caches). */
  primed: Map<string, DiscoveryDoc>;
}

export interface ProbeDeps extends FetchDeps {
  log?: (msg: string, fields: Record<string, unknown>) => void;
}

const EXACTLY_ONE = "exactly one of 'jwt_validation_pubkeys', 'jwks_url', 'jwks_pairs' or 'oidc_discovery_url' must be set";

function causeOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

async function probeDiscovery(url: string, ca: string, deps: ProbeDeps, primed: Map<string, DiscoveryDoc>, prefix = ''): Promise<DiscoveryDoc> {
  try {
    const doc = await fetchDiscovery(url, ca, deps);
    primed.set(url, doc);
    return doc;
  } catch (e) {
    deps.log?.('error checking oidc discovery URL', { url, error: causeOf(e) });
    throw badRequest(`${prefix}error checking oidc discovery URL`, { field: prefix ? 'issuers' : 'oidc_discovery_url', cause: causeOf(e) });
  }
}

async function probeJwks(url: string, ca: string, deps: ProbeDeps, prefix = ''): Promise<void> {
  if (ca !== '') {
    try {
      parseCaPem(ca);
    } catch (e) {
      throw badRequest(`${prefix}error checking jwks_ca_pem`, { field: prefix ? 'issuers' : 'jwks_ca_pem', cause: causeOf(e) });
    }
  }
  try {
    await fetchJwks(url, ca, deps);
  } catch (e) {
    deps.log?.('error checking jwks URL', { url, error: causeOf(e) });
    throw badRequest(`${prefix}error checking jwks URL ${url}`, { field: prefix ? 'issuers' : 'jwks_url', cause: causeOf(e) });
  }
}

function parseKeys(pems: readonly string[], prefix = ''): void {
  for (const pem of pems) {
    try {
      parsePublicKeyPem(pem);
    } catch (e) {
      throw badRequest(`${prefix}error parsing public key: ${causeOf(e)}`, { field: prefix ? 'issuers' : 'jwt_validation_pubkeys' });
    }
  }
}

/** Go's %v of a string list: `[a b]`. */
function goList(list: readonly string[]): string {
  return `[${list.join(' ')}]`;
}

/** Vault's checks on the top level; returns the discovery documents fetched. */
async function checkTopLevel(c: JwtConfig, hasIssuers: boolean, deps: ProbeDeps, primed: Map<string, DiscoveryDoc>): Promise<void> {
  const src = topLevelSource(c);
  const disc = src.oidc_discovery_url;
  const clientPair = (c.oidc_client_id !== '') !== (c.oidc_client_secret !== '');
  if (src.count > 1 || (src.count === 0 && !hasIssuers)) throw badRequest(EXACTLY_ONE);
  if (clientPair) throw badRequest("both 'oidc_client_id' and 'oidc_client_secret' must be set for OIDC");
  if (disc !== '') {
    await probeDiscovery(disc, c.oidc_discovery_ca_pem, deps, primed);
  } else if (c.oidc_client_id !== '') {
    throw badRequest("'oidc_discovery_url' must be set for OIDC");
  } else if (c.jwks_ca_pem !== '' && src.jwks_pairs.length > 0) {
    throw badRequest("CA PEMs must be provided as part of the 'jwks_pairs' when using multiple JWKS URLs");
  } else if (src.jwks_pairs.length > 0 && c.bound_issuer !== '') {
    throw badRequest("Bound issuer is not supported for use with 'jwks_pairs'");
  } else if (src.jwks_url !== '') {
    await probeJwks(src.jwks_url, c.jwks_ca_pem, deps);
  } else if (src.jwks_pairs.length > 0) {
    throw badRequest('invalid jwks_pairs: multiple JWKS URLs (jwks_pairs) are not supported by Keep yet', { field: 'jwks_pairs' });
  } else if (src.jwt_validation_pubkeys.length > 0) {
    parseKeys(src.jwt_validation_pubkeys);
  }

  for (const a of c.jwt_supported_algs) {
    if (!(ALL_ALGS as readonly string[]).includes(a)) {
      throw badRequest(`invalid jwt_supported_algs: unsupported signing algorithm "${a}"`, { field: 'jwt_supported_algs' });
    }
  }
  if (!c.oidc_response_types.every((t) => t === 'code' || t === 'id_token')) {
    throw badRequest(`invalid response_types ${goList(c.oidc_response_types)}. 'code' and 'id_token' are allowed`);
  }
  const idToken = c.oidc_response_types.includes('id_token');
  switch (c.oidc_response_mode) {
    case '':
    case 'query':
      if (idToken) throw badRequest('query response_mode may not be used with an id_token response_type');
      break;
    case 'form_post':
      break;
    default:
      throw badRequest(`invalid response_mode: ${JSON.stringify(c.oidc_response_mode)}`);
  }
}

function entryError(i: number, message: string, extra: Record<string, unknown> = {}) {
  return badRequest(`invalid issuers[${i}]: ${message}`, { field: 'issuers', index: i, ...extra });
}

/** Shape of the `issuers` input: a list of objects with known string / string-list fields. */
export function parseIssuers(raw: unknown): IssuerEntry[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw badRequest('invalid issuers: expected a list of objects', { field: 'issuers' });
  return raw.map((item, i) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) throw entryError(i, 'expected an object');
    const obj = item as Record<string, unknown>;
    const entry: IssuerEntry = {
      issuer: '',
      oidc_discovery_url: '',
      oidc_discovery_ca_pem: '',
      jwks_url: '',
      jwks_ca_pem: '',
      jwt_validation_pubkeys: [],
      preset: '',
      gitlab_url: '',
      org_id: '',
      workspace: '',
      bound_audiences: [],
      resolved_issuer: '',
    };
    for (const [k, v] of Object.entries(obj)) {
      if (v === null || v === undefined) continue;
      if ((ISSUER_ENTRY_STRING_FIELDS as readonly string[]).includes(k)) {
        if (typeof v !== 'string') throw entryError(i, `field "${k}" must be a string`);
        entry[k as (typeof ISSUER_ENTRY_STRING_FIELDS)[number]] = v.trim();
      } else if ((ISSUER_ENTRY_LIST_FIELDS as readonly string[]).includes(k)) {
        const list = typeof v === 'string' ? (k === 'bound_audiences' ? v.split(',') : [v]) : v;
        if (!Array.isArray(list) || list.some((s) => typeof s !== 'string')) throw entryError(i, `field "${k}" must be a list of strings`);
        entry[k as (typeof ISSUER_ENTRY_LIST_FIELDS)[number]] = (list as string[]).map((s) => s.trim()).filter((s) => s !== '');
      } else {
        throw entryError(i, `unknown field "${k}"`);
      }
    }
    return entry;
  });
}

async function checkIssuerEntry(e: IssuerEntry, i: number, deps: ProbeDeps, primed: Map<string, DiscoveryDoc>, warnings: string[]): Promise<void> {
  const prefix = `invalid issuers[${i}]: `;
  const explicit = (e.oidc_discovery_url !== '' ? 1 : 0) + (e.jwks_url !== '' ? 1 : 0) + (e.jwt_validation_pubkeys.length > 0 ? 1 : 0);
  let facts: ReturnType<typeof resolvePreset> | undefined;
  if (e.preset !== '') {
    try {
      facts = resolvePreset({ preset: e.preset, gitlab_url: e.gitlab_url, org_id: e.org_id, workspace: e.workspace });
    } catch (err) {
      if (isKeepError(err)) throw entryError(i, err.message, { param: err.extra?.field });
      throw err;
    }
    for (const w of presetParamWarnings({ preset: e.preset, gitlab_url: e.gitlab_url, org_id: e.org_id, workspace: e.workspace })) {
      warnings.push(`issuers[${i}]: ${w}`);
    }
  }
  const presetSupplies = facts !== undefined && (facts.oidc_discovery_url !== undefined || facts.jwks_url !== undefined);
  if (explicit > 1 || (explicit === 0 && !presetSupplies)) {
    throw entryError(i, "exactly one of 'jwt_validation_pubkeys', 'jwks_url' or 'oidc_discovery_url' must be set (unless a preset supplies discovery)");
  }
  const discovery = explicit > 0 ? e.oidc_discovery_url : (facts?.oidc_discovery_url ?? '');
  const jwks = explicit > 0 ? e.jwks_url : discovery === '' ? (facts?.jwks_url ?? '') : '';

  let fromDoc = '';
  if (discovery !== '') fromDoc = (await probeDiscovery(discovery, e.oidc_discovery_ca_pem, deps, primed, prefix)).issuer;
  else if (jwks !== '') await probeJwks(jwks, e.jwks_ca_pem || e.oidc_discovery_ca_pem, deps, prefix);
  else parseKeys(e.jwt_validation_pubkeys, prefix);

  e.resolved_issuer = e.issuer || fromDoc || (facts?.issuer ?? '');
  if (e.resolved_issuer === '') throw entryError(i, "'issuer' must be set unless 'oidc_discovery_url' or a preset supplies it");
}

/** Validates a full config write (every omitted field already defaulted by the caller). */
export async function validateConfig(c: JwtConfig, deps: ProbeDeps): Promise<ConfigWriteResult> {
  const primed = new Map<string, DiscoveryDoc>();
  const warnings: string[] = [];
  if (c.preset !== '') {
    resolvePreset({ preset: c.preset, gitlab_url: c.gitlab_url, org_id: c.org_id, workspace: c.workspace });
    warnings.push(...presetParamWarnings({ preset: c.preset, gitlab_url: c.gitlab_url, org_id: c.org_id, workspace: c.workspace }));
  }
  await checkTopLevel(c, c.issuers.length > 0, deps, primed);
  const seen = new Map<string, number>();
  for (let i = 0; i < c.issuers.length; i++) {
    await checkIssuerEntry(c.issuers[i], i, deps, primed, warnings);
    const iss = c.issuers[i].resolved_issuer;
    if (seen.has(iss)) throw entryError(i, `issuer ${JSON.stringify(iss)} is listed more than once`);
    seen.set(iss, i);
  }
  return { config: c, warnings, primed };
}
