/**
 * Flags and request bodies shared by `secrets enable|tune` and `auth enable|tune`, and the mount
 * table shared by `secrets list` and `auth list`.
 */
import type { MountInfo, MountInput } from '../../client/types.ts';
import type { CommandContext } from '../context.ts';
import type { FlagSpec } from '../flags.ts';
import { columns, goString, humanDuration } from '../format.ts';
import { parseStringPairs } from '../kvargs.ts';
import { durationValue } from './token.ts';

/** Config flags of enable and tune. */
export const MOUNT_CONFIG_FLAGS: FlagSpec[] = [
  { name: 'description', type: 'string', usage: 'Human-friendly description.' },
  { name: 'default-lease-ttl', type: 'string', usage: 'Default lease TTL ("system" = server default).' },
  { name: 'max-lease-ttl', type: 'string', usage: 'Maximum lease TTL ("system" = server default).' },
  { name: 'force-no-cache', type: 'bool', usage: 'Disable caching for this mount.' },
  { name: 'audit-non-hmac-request-keys', type: 'list', usage: 'Request key not HMAC-ed in audit logs.' },
  { name: 'audit-non-hmac-response-keys', type: 'list', usage: 'Response key not HMAC-ed in audit logs.' },
  { name: 'listing-visibility', type: 'string', usage: 'Listing visibility: "unauth" or "hidden".' },
  { name: 'passthrough-request-headers', type: 'list', usage: 'Request header passed to the backend.' },
  { name: 'allowed-response-headers', type: 'list', usage: 'Response header the backend may set.' },
  { name: 'plugin-version', type: 'string', usage: 'Plugin version.' },
  { name: 'options', type: 'list', usage: 'Mount option K=V.' },
];

/** Flags of enable only. */
export const MOUNT_ENABLE_FLAGS: FlagSpec[] = [
  { name: 'path', type: 'string', usage: 'Mount path (default: the type name).' },
  { name: 'local', type: 'bool', usage: 'Local mount (not replicated).' },
  { name: 'seal-wrap', type: 'bool', usage: 'Seal-wrap the mount.' },
  { name: 'external-entropy-access', type: 'bool', usage: 'Accepted for compatibility.' },
];

/** The `config` object from the config flags that were given. */
export function mountConfig(ctx: CommandContext, auth: boolean): Record<string, unknown> {
  const f = ctx.flags;
  const c: Record<string, unknown> = {};
  if (f.has('default-lease-ttl')) c.default_lease_ttl = durationValue(f.str('default-lease-ttl') ?? '');
  if (f.has('max-lease-ttl')) c.max_lease_ttl = durationValue(f.str('max-lease-ttl') ?? '');
  if (f.has('force-no-cache')) c.force_no_cache = f.bool('force-no-cache');
  if (f.has('audit-non-hmac-request-keys')) c.audit_non_hmac_request_keys = f.list('audit-non-hmac-request-keys');
  if (f.has('audit-non-hmac-response-keys')) c.audit_non_hmac_response_keys = f.list('audit-non-hmac-response-keys');
  if (f.has('listing-visibility')) c.listing_visibility = f.str('listing-visibility');
  if (f.has('passthrough-request-headers')) c.passthrough_request_headers = f.list('passthrough-request-headers');
  if (f.has('allowed-response-headers')) c.allowed_response_headers = f.list('allowed-response-headers');
  if (f.has('plugin-version')) c.plugin_version = f.str('plugin-version');
  if (auth && f.has('token-type')) c.token_type = f.str('token-type');
  return c;
}

/** `-options k=v` plus `-version N` (KV) as the options map; undefined when neither was given. */
export function mountOptions(ctx: CommandContext): Record<string, string> | undefined {
  const opts = parseStringPairs(ctx.flags.list('options'), 'options');
  const v = ctx.flags.int('version');
  if (ctx.flags.has('version') && v !== undefined && v > 0) opts.version = String(v);
  return Object.keys(opts).length > 0 ? opts : undefined;
}

/** The enable request body. */
export function mountInput(ctx: CommandContext, type: string, auth: boolean): MountInput {
  const input: MountInput = { type };
  const f = ctx.flags;
  if (f.has('description')) input.description = f.str('description');
  const config = mountConfig(ctx, auth);
  if (Object.keys(config).length > 0) input.config = config;
  const options = mountOptions(ctx);
  if (options) input.options = options;
  if (f.bool('local')) input.local = true;
  if (f.bool('seal-wrap')) input.seal_wrap = true;
  if (f.bool('external-entropy-access')) input.external_entropy_access = true;
  if (f.has('plugin-version')) input.plugin_version = f.str('plugin-version');
  return input;
}

/** The tune request body. */
export function tuneInput(ctx: CommandContext, auth: boolean): Record<string, unknown> {
  const body: Record<string, unknown> = { ...mountConfig(ctx, auth) };
  if (ctx.flags.has('description')) body.description = ctx.flags.str('description');
  const options = mountOptions(ctx);
  if (options) body.options = options;
  return body;
}

/** `path/` with exactly one trailing slash and no leading slash. */
export function mountPathText(p: string): string {
  return `${p.trim().replace(/^\/+/, '').replace(/\/+$/, '')}/`;
}

function ttlText(v: unknown): string {
  return typeof v === 'number' && v > 0 ? humanDuration(v) : 'system';
}

/** The `secrets list` / `auth list` table. */
export function mountTable(mounts: Record<string, MountInfo>, detailed: boolean): string {
  const paths = Object.keys(mounts)
    .filter((p) => typeof mounts[p] === 'object' && mounts[p] !== null)
    .sort();
  if (!detailed) {
    const rows = paths.map((p) => [p, mounts[p].type, mounts[p].accessor ?? '', mounts[p].description ?? '']);
    return columns([['Path', 'Type', 'Accessor', 'Description'], ['----', '----', '--------', '-----------'], ...rows]);
  }
  const header = ['Path', 'Plugin', 'Accessor', 'Default TTL', 'Max TTL', 'Force No Cache', 'Replication', 'Seal Wrap', 'External Entropy Access', 'Options', 'Description', 'UUID', 'Version', 'Running Version'];
  const rows = paths.map((p) => {
    const m = mounts[p];
    const cfg = m.config ?? {};
    return [
      p,
      m.type,
      m.accessor ?? '',
      ttlText(cfg.default_lease_ttl),
      ttlText(cfg.max_lease_ttl),
      String(cfg.force_no_cache === true),
      m.local ? 'local' : 'replicated',
      String(m.seal_wrap === true),
      String(m.external_entropy_access === true),
      m.options ? goString(m.options) : '',
      m.description ?? '',
      m.uuid ?? '',
      m.plugin_version ?? '',
      m.running_plugin_version ?? '',
    ];
  });
  return columns([header, header.map((h) => '-'.repeat(h.length)), ...rows]);
}
