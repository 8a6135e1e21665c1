/** sys/auth: list, enable, read and disable auth methods (spec/core.md 2.6). */
import type { SystemServices } from '../../core/contracts.ts';
import { badRequest } from '../../errors.ts';
import { definePath } from '../../framework/path.ts';
import type { PathDef } from '../../framework/types.ts';
import { parseEnableRequest } from './mount-config.ts';
import { mountInfo } from './mount-info.ts';
import { enableFields } from './mounts.ts';
import { sanitizePath } from './util.ts';

export function authPaths(services: SystemServices): PathDef[] {
  return [
    definePath({
      pattern: 'auth/?',
      fields: {},
      synopsis: 'List the enabled auth methods.',
      operations: {
        read: {
          summary: 'List the enabled auth methods.',
          handler: async () => {
            const data: Record<string, unknown> = {};
            for (const entry of services.mounts.list('auth')) data[entry.path] = mountInfo(entry, 'auth');
            return { data };
          },
        },
      },
    }),
    definePath({
      pattern: 'auth/(?<path>(?!.*/tune$).+)',
      fields: enableFields,
      synopsis: 'Enable, read or disable an auth method.',
      operations: {
        read: {
          summary: 'Read an auth method.',
          handler: async (ctx) => {
            const path = sanitizePath(ctx.fields.path ?? '');
            const entry = services.mounts.get('auth', path);
            if (!entry) throw badRequest(`No auth engine at ${path}`);
            return { data: mountInfo(entry, 'auth') };
          },
        },
        update: {
          summary: 'Enable an auth method.',
          handler: async (ctx) => {
            const f = ctx.fields;
            const path = sanitizePath(f.path ?? '');
            const req = parseEnableRequest(
              'auth',
              { type: f.type ?? '', description: f.description ?? '', config: f.config, options: f.options },
              services.system.maxLeaseTTL,
            );
            await services.mounts.enable('auth', path, {
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
          summary: 'Disable an auth method (revokes every token and lease it issued).',
          handler: async (ctx) => {
            await services.mounts.disable('auth', sanitizePath(ctx.fields.path ?? ''));
            return undefined;
          },
        },
      },
    }),
  ];
}
