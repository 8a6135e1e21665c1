/** sys/mounts/<path>/tune and sys/auth/<path>/tune (spec/core.md 2.5, 2.6). */
import type { MountConfig, MountKind, SystemServices } from '../../core/contracts.ts';
import { badRequest } from '../../errors.ts';
import { parseDuration } from '../../framework/duration.ts';
import { definePath } from '../../framework/path.ts';
import type { LogicalResponse, PathDef, RequestContext } from '../../framework/types.ts';
import { LISTING_VISIBILITY } from './mount-config.ts';
import { sanitizePath } from './util.ts';

export const tuneFields = {
  path: { type: 'string', description: 'Path of the mount.' },
  description: { type: 'string', description: 'New description.' },
  default_lease_ttl: { type: 'string', description: 'Duration, or "system" to reset.' },
  max_lease_ttl: { type: 'string', description: 'Duration, or "system" to reset.' },
  audit_non_hmac_request_keys: { type: 'comma-string-slice', description: 'Request keys not HMACed by audit devices.' },
  audit_non_hmac_response_keys: { type: 'comma-string-slice', description: 'Response keys not HMACed by audit devices.' },
  listing_visibility: { type: 'string', description: '"unauth", "hidden" or "".' },
  passthrough_request_headers: { type: 'comma-string-slice', description: 'Headers passed to the backend.' },
  allowed_response_headers: { type: 'comma-string-slice', description: 'Headers the backend may set.' },
  token_type: { type: 'string', description: 'Auth mounts: default-service, default-batch, service, batch.' },
  options: { type: 'kv-pairs', description: 'Options merged into the existing ones ("" deletes a key).' },
  plugin_version: { type: 'string', description: 'Accepted, ignored (built-ins only).' },
} as const;

type TuneCtx = RequestContext<typeof tuneFields>;

/** Stored TTL after a tune value: undefined = keep, 0 = system default. */
function tunedTTL(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (value === 'system') return 0;
  let seconds: number;
  try {
    seconds = parseDuration(value);
  } catch (e) {
    throw badRequest((e as Error).message);
  }
  if (seconds < 0) throw badRequest(`cannot provide negative value '${value}'`);
  return seconds;
}

function fullPathOf(kind: MountKind, path: string): string {
  return sanitizePath(kind === 'auth' ? `auth/${path}` : path);
}

async function readTune(services: SystemServices, kind: MountKind, ctx: TuneCtx): Promise<LogicalResponse> {
  const path = fullPathOf(kind, ctx.fields.path ?? '');
  const match = services.mounts.match(path);
  if (!match) throw badRequest(`cannot fetch sysview for path "${path}"`);
  const { entry } = match;
  const ttls = services.mounts.effectiveTTLs(entry);
  const c = entry.config;
  const data: Record<string, unknown> = {
    description: entry.description,
    default_lease_ttl: ttls.defaultTTL,
    max_lease_ttl: ttls.maxTTL,
    force_no_cache: c.force_no_cache,
  };
  if (entry.external_entropy_access) data.external_entropy_access = true;
  if (match.kind === 'auth') data.token_type = c.token_type || 'default-service';
  if (c.audit_non_hmac_request_keys?.length) data.audit_non_hmac_request_keys = c.audit_non_hmac_request_keys;
  if (c.audit_non_hmac_response_keys?.length) data.audit_non_hmac_response_keys = c.audit_non_hmac_response_keys;
  if (c.listing_visibility) data.listing_visibility = c.listing_visibility;
  if (c.passthrough_request_headers?.length) data.passthrough_request_headers = c.passthrough_request_headers;
  if (c.allowed_response_headers?.length) data.allowed_response_headers = c.allowed_response_headers;
  if (entry.options && Object.keys(entry.options).length > 0) data.options = { ...entry.options };
  if (entry.plugin_version) data.plugin_version = entry.plugin_version;
  return { data };
}

async function writeTune(services: SystemServices, kind: MountKind, ctx: TuneCtx): Promise<LogicalResponse | undefined> {
  const f = ctx.fields;
  const has = (k: keyof typeof tuneFields) => ctx.supplied.has(k) && f[k] !== undefined;
  const path = fullPathOf(kind, f.path ?? '');
  const match = services.mounts.match(path);
  if (!match) throw badRequest(`tune of path "${path}" failed: no mount entry found`);
  const { entry } = match;

  const changes: Partial<MountConfig> & { description?: string; options?: Record<string, string> } = {};

  const newDefault = tunedTTL(has('default_lease_ttl') ? f.default_lease_ttl : undefined);
  const newMax = tunedTTL(has('max_lease_ttl') ? f.max_lease_ttl : undefined);
  if (newDefault !== undefined || newMax !== undefined) {
    const def = newDefault ?? entry.config.default_lease_ttl;
    const max = newMax ?? entry.config.max_lease_ttl;
    // Vault compares only when both are set; an unset value means the system default.
    if (def !== 0 && max !== 0 && max < def) {
      throw badRequest(`backend max lease TTL of ${max} would be less than backend default lease TTL of ${def}`);
    }
    if (newDefault !== undefined) changes.default_lease_ttl = newDefault;
    if (newMax !== undefined) changes.max_lease_ttl = newMax;
  }
  if (has('description')) changes.description = f.description;
  if (has('audit_non_hmac_request_keys')) changes.audit_non_hmac_request_keys = f.audit_non_hmac_request_keys;
  if (has('audit_non_hmac_response_keys')) changes.audit_non_hmac_response_keys = f.audit_non_hmac_response_keys;
  if (has('listing_visibility')) {
    const lv = f.listing_visibility ?? '';
    if (!LISTING_VISIBILITY.includes(lv)) throw badRequest(`invalid listing_visibility ${lv}`);
    changes.listing_visibility = lv;
  }
  if (has('token_type')) {
    if (match.kind !== 'auth') throw badRequest(`'token_type' can only be modified on auth mounts`);
    if (entry.type === 'token') throw badRequest(`'token_type' cannot be set for 'token' or 'ns_token' auth mounts`);
    const tt = f.token_type === '' ? 'default-service' : f.token_type!;
    if (!['default-service', 'default-batch', 'service', 'batch'].includes(tt)) throw badRequest(`invalid value for 'token_type'`);
    changes.token_type = tt;
  }
  if (has('passthrough_request_headers')) changes.passthrough_request_headers = f.passthrough_request_headers;
  if (has('allowed_response_headers')) changes.allowed_response_headers = f.allowed_response_headers;
  if (has('options') && f.options && Object.keys(f.options).length > 0) {
    const version = f.options.version;
    if (version !== undefined && version !== '' && entry.type === 'kv') {
      if (!/^\d+$/.test(version) || (version !== '1' && version !== '2')) throw badRequest(`invalid version provided: ${version}`);
      if ((entry.options?.version ?? '1') === '2' && version === '1') throw badRequest('cannot downgrade mount from version 2');
    }
    // A delta: core merges it into the stored options ("" deletes a key, except version).
    changes.options = { ...f.options };
  }

  const warnings = await services.mounts.tune(match.kind, entry.path, changes);
  return warnings.length > 0 ? { warnings } : undefined;
}

/** The tune path for one table: `mounts/<path>/tune` or `auth/<path>/tune`. */
export function tunePath(services: SystemServices, kind: MountKind): PathDef {
  const prefix = kind === 'auth' ? 'auth' : 'mounts';
  return definePath({
    pattern: `${prefix}/(?<path>.+)/tune`,
    fields: tuneFields,
    synopsis: kind === 'auth' ? 'Tune an auth method.' : 'Tune a secrets engine.',
    operations: {
      read: { summary: 'Read the effective configuration of a mount.', handler: (ctx) => readTune(services, kind, ctx) },
      update: { summary: 'Tune a mount.', handler: (ctx) => writeTune(services, kind, ctx) },
    },
  });
}
