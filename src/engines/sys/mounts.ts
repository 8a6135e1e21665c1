/** sys/mounts: list, enable, read and disable secrets engines (spec/core.md 2.5). */
import type { SystemServices } from '../../core/contracts.ts';
import { badRequest } from '../../errors.ts';
import { definePath } from '../../framework/path.ts';
import type { PathDef } from '../../framework/types.ts';
import { parseEnableRequest } from './mount-config.ts';
import { mountInfo } from './mount-info.ts';
import { sanitizePath } from './util.ts';

/** `<path>` of sys/mounts/<path>, excluding `<path>/tune` (served by tune.ts). */
export const MOUNT_PATH_CAPTURE = '(?<path>(?!.*/tune$).+)';

export const enableFields = {
  path: { type: 'string', description: 'Path of the mount.' },
  type: { type: 'string', description: 'Type of the backend (kv, kv-v2, database, ...).' },
  description: { type: 'string', description: 'User-friendly description.' },
  config: { type: 'map', description: 'default_lease_ttl, max_lease_ttl, force_no_cache, audit keys, listing_visibility, headers.' },
  options: { type: 'kv-pairs', description: 'Backend options (KV: version).' },
  local: { type: 'bool', default: false, description: 'Not replicated (accepted, single node).' },
  seal_wrap: { type: 'bool', default: false, description: 'Accepted and stored.' },
  external_entropy_access: { type: 'bool', default: false, description: 'Accepted and stored.' },
  plugin_name: { type: 'string', description: 'Legacy plugin name (ignored).' },
  plugin_version: { type: 'string', description: 'Plugin version (ignored: built-ins only).' },
} as const;

export function mountsPaths(services: SystemServices): PathDef[] {
  return [
    definePath({
      pattern: 'mounts/?',
      fields: {},
      synopsis: 'List the mounted secrets engines.',
      operations: {
        read: {
          summary: 'List the mounted secrets engines.',
          handler: async () => {
            const data: Record<string, unknown> = {};
            for (const entry of services.mounts.list('secret')) data[entry.path] = mountInfo(entry, 'secret');
            return { data };
          },
        },
      },
    }),
    definePath({
      pattern: `mounts/${MOUNT_PATH_CAPTURE}`,
      fields: enableFields,
      synopsis: 'Enable, read or disable a secrets engine.',
      operations: {
        read: {
          summary: 'Read the mount that contains a path.',
          handler: async (ctx) => {
            const path = sanitizePath(ctx.fields.path ?? '');
            const match = services.mounts.match(path);
            if (!match) throw badRequest(`No secret engine mount at ${path}`);
            return { data: mountInfo(match.entry, match.kind) };
          },
        },
        update: {
          summary: 'Enable a secrets engine.',
          handler: async (ctx) => {
            const f = ctx.fields;
            const path = sanitizePath(f.path ?? '');
            const req = parseEnableRequest(
              'secret',
              { type: f.type ?? '', description: f.description ?? '', config: f.config, options: f.options },
              services.system.maxLeaseTTL,
            );
            await services.mounts.enable('secret', path, {
              type: req.type,
              description: req.description,
              config: req.config,
              options: req.options,
              local: f.local,
              seal_wrap: f.seal_wrap,
              external_entropy_access: f.external_entropy_access,
            });
            return undefined;
          },
        },
        delete: {
          summary: 'Disable a secrets engine (revokes its leases, deletes its data).',
          handler: async (ctx) => {
            const path = sanitizePath(ctx.fields.path ?? '');
            // Non-existent: 204 without revealing anything; protected mounts are refused by core.
            await services.mounts.disable('secret', path);
            return undefined;
          },
        },
      },
    }),
  ];
}
