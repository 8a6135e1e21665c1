/** The "mount info" object of spec/core.md 2.5, built from a MountEntry. */
import type { MountEntry, MountKind } from '../../core/contracts.ts';

/** Built-in types that are not plugins of the catalog: no `deprecation_status`. */
const NOT_CATALOG = new Set(['system', 'cubbyhole', 'identity', 'token']);

export function mountConfigInfo(entry: MountEntry, kind: MountKind): Record<string, unknown> {
  const c = entry.config;
  const config: Record<string, unknown> = {
    default_lease_ttl: c.default_lease_ttl,
    max_lease_ttl: c.max_lease_ttl,
    force_no_cache: c.force_no_cache,
  };
  if (c.audit_non_hmac_request_keys?.length) config.audit_non_hmac_request_keys = c.audit_non_hmac_request_keys;
  if (c.audit_non_hmac_response_keys?.length) config.audit_non_hmac_response_keys = c.audit_non_hmac_response_keys;
  if (c.listing_visibility) config.listing_visibility = c.listing_visibility;
  if (c.passthrough_request_headers?.length) config.passthrough_request_headers = c.passthrough_request_headers;
  if (c.allowed_response_headers?.length) config.allowed_response_headers = c.allowed_response_headers;
  if (kind === 'auth') config.token_type = c.token_type || 'default-service';
  return config;
}

export function mountInfo(entry: MountEntry, kind: MountKind): Record<string, unknown> {
  const info: Record<string, unknown> = {
    accessor: entry.accessor,
    config: mountConfigInfo(entry, kind),
    description: entry.description,
    external_entropy_access: entry.external_entropy_access,
    local: entry.local,
    options: entry.options && Object.keys(entry.options).length > 0 ? { ...entry.options } : null,
    plugin_version: entry.plugin_version,
    running_plugin_version: entry.running_plugin_version,
    running_sha256: '',
    seal_wrap: entry.seal_wrap,
    type: entry.type,
    uuid: entry.uuid,
  };
  if (!NOT_CATALOG.has(entry.type)) info.deprecation_status = 'supported';
  return sortKeys(info);
}

/** Full request-path prefix of a mount (`secret/`, `auth/jwt/`). */
export function fullMountPath(entry: MountEntry, kind: MountKind): string {
  return kind === 'auth' ? `auth/${entry.path}` : entry.path;
}

function sortKeys(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(o).sort()) out[k] = o[k];
  return out;
}
