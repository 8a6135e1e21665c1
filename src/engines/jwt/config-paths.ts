/**
 * `config` (GET / POST, spec/auth.md 3.2). Every write replaces the whole config (omitted fields
 * take their defaults; `namespace_in_state` keeps its value when omitted on an update) and resets
 * every cache built from the previous one. An unconfigured mount reads as 404.
 */
import { definePath } from '../../framework/path.ts';
import type { LogicalResponse, PathDef, RequestContext } from '../../framework/types.ts';
import { badRequest } from '../../errors.ts';
import { configReadData, type JwtConfig } from './config-model.ts';
import { parseIssuers, validateConfig } from './config-validate.ts';
import type { JwtState } from './state.ts';

const configFields = {
  oidc_discovery_url: { type: 'string', description: 'OIDC discovery URL (the issuer base URL, without /.well-known).' },
  oidc_discovery_ca_pem: { type: 'string', description: 'CA certificates (PEM) for the discovery and JWKS fetches.' },
  oidc_client_id: { type: 'string', description: 'OAuth client id (OIDC browser flow).' },
  oidc_client_secret: { type: 'string', description: 'OAuth client secret (never returned).' },
  oidc_response_mode: { type: 'string', description: "'query' or 'form_post'." },
  oidc_response_types: { type: 'comma-string-slice', description: "'code' and/or 'id_token'." },
  jwks_url: { type: 'string', description: 'JWKS URL for verifying JWTs.' },
  jwks_ca_pem: { type: 'string', description: 'CA certificates (PEM) for the JWKS URL.' },
  jwks_pairs: { type: 'raw', description: 'List of {jwks_url, jwks_ca_pem} (not supported yet).' },
  default_role: { type: 'lowercase-string', description: 'Role used when a login names none.' },
  jwt_validation_pubkeys: { type: 'comma-string-slice', description: 'PEM public keys or certificates for verifying JWTs.' },
  jwt_supported_algs: { type: 'comma-string-slice', description: 'Accepted signing algorithms (default: all asymmetric ones).' },
  bound_issuer: { type: 'string', description: 'The iss every JWT must carry (unchecked when empty).' },
  provider_config: { type: 'map', description: 'Provider-specific settings (stored, not used yet).' },
  namespace_in_state: { type: 'bool', description: 'OIDC flow: namespace in the state parameter.' },
  unsupported_critical_cert_extensions: { type: 'comma-string-slice', description: 'Critical X.509 extensions to tolerate.' },
  preset: { type: 'string', description: 'Keep: CI platform preset (github, gitlab, circleci, buildkite, bitbucket).' },
  gitlab_url: { type: 'string', description: 'Keep: GitLab instance URL for the gitlab preset.' },
  org_id: { type: 'string', description: 'Keep: CircleCI organization id for the circleci preset.' },
  workspace: { type: 'string', description: 'Keep: Bitbucket workspace for the bitbucket preset.' },
  issuers: { type: 'raw', description: 'Keep: further trusted issuers, each {issuer, oidc_discovery_url | jwks_url | jwt_validation_pubkeys, preset, bound_audiences}.' },
} as const;

type ConfigCtx = RequestContext<typeof configFields>;

function configFromRequest(ctx: ConfigCtx, existing: JwtConfig | undefined): JwtConfig {
  const f = ctx.fields;
  const pairs = f.jwks_pairs;
  if (pairs !== undefined && !Array.isArray(pairs)) throw badRequest('invalid jwks_pairs: expected a list', { field: 'jwks_pairs' });
  return {
    oidc_discovery_url: f.oidc_discovery_url ?? '',
    oidc_discovery_ca_pem: f.oidc_discovery_ca_pem ?? '',
    oidc_client_id: f.oidc_client_id ?? '',
    oidc_client_secret: f.oidc_client_secret ?? '',
    oidc_response_mode: f.oidc_response_mode ?? '',
    oidc_response_types: (f.oidc_response_types ?? []).filter((s) => s !== ''),
    jwks_url: f.jwks_url ?? '',
    jwks_ca_pem: f.jwks_ca_pem ?? '',
    jwks_pairs: Array.isArray(pairs) ? pairs : [],
    jwt_validation_pubkeys: (f.jwt_validation_pubkeys ?? []).filter((s) => s !== ''),
    jwt_supported_algs: (f.jwt_supported_algs ?? []).filter((s) => s !== ''),
    bound_issuer: f.bound_issuer ?? '',
    default_role: f.default_role ?? '',
    provider_config: f.provider_config ?? {},
    namespace_in_state: f.namespace_in_state ?? existing?.namespace_in_state ?? true,
    unsupported_critical_cert_extensions: (f.unsupported_critical_cert_extensions ?? []).filter((s) => s !== ''),
    preset: (f.preset ?? '').trim(),
    gitlab_url: (f.gitlab_url ?? '').trim(),
    org_id: (f.org_id ?? '').trim(),
    workspace: (f.workspace ?? '').trim(),
    issuers: parseIssuers(f.issuers),
  };
}

async function writeConfig(state: JwtState, ctx: ConfigCtx): Promise<LogicalResponse | undefined> {
  const existing = await state.getConfig();
  const candidate = configFromRequest(ctx, existing);
  const { config, warnings, primed } = await validateConfig(candidate, {
    ...state.fetchDeps,
    log: (msg, fields) => state.logger.warn(msg, { mount: ctx.mount.path, ...fields }),
  });
  await state.putConfig(config, primed);
  return warnings.length > 0 ? { data: null, warnings } : undefined;
}

export function configPath(state: JwtState): PathDef {
  return definePath({
    pattern: 'config',
    fields: configFields,
    operations: {
      read: {
        handler: async () => {
          const config = await state.getConfig();
          return config ? { data: configReadData(config) } : undefined;
        },
        summary: 'Read the configuration.',
      },
      update: { handler: (ctx) => writeConfig(state, ctx), summary: 'Configure the JWT method (replaces the whole config).' },
    },
    synopsis: 'Configures the JWT authentication backend.',
    description:
      'Where the keys that sign JWTs come from: OIDC discovery, a JWKS URL, or static public keys; Keep adds CI presets and several trusted issuers.',
  });
}
