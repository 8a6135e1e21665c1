/** sys/capabilities, sys/capabilities-self, sys/capabilities-accessor (spec/core.md 2.8). */
import type { SystemServices, TokenEntry } from '../../core/contracts.ts';
import { badRequest } from '../../errors.ts';
import { definePath } from '../../framework/path.ts';
import type { LogicalResponse, PathDef } from '../../framework/types.ts';
import { callerEntry } from './util.ts';

const pathFields = {
  paths: { type: 'comma-string-slice', description: 'Paths to check.' },
  path: { type: 'comma-string-slice', description: 'Deprecated: use `paths`.', deprecated: true },
} as const;

function requestedPaths(fields: { paths?: string[]; path?: string[] }): string[] {
  const paths = fields.paths && fields.paths.length > 0 ? fields.paths : (fields.path ?? []);
  if (paths.length === 0) throw badRequest('paths must be supplied');
  return paths;
}

async function capabilitiesOf(services: SystemServices, entry: TokenEntry, paths: string[]): Promise<LogicalResponse> {
  const acl = await services.aclFor(entry);
  const data: Record<string, unknown> = {};
  for (const p of paths) data[p] = acl.capabilities(p);
  if (paths.length === 1) data.capabilities = data[paths[0]];
  return { data };
}

export function capabilitiesPaths(services: SystemServices): PathDef[] {
  return [
    definePath({
      pattern: 'capabilities',
      fields: { token: { type: 'string', description: 'Token to check.' }, ...pathFields },
      synopsis: "A token's capabilities on paths.",
      operations: {
        update: {
          summary: "Report a token's capabilities on paths.",
          handler: async (ctx) => {
            const token = ctx.fields.token || ctx.clientToken;
            if (!token) throw badRequest('no token found');
            const paths = requestedPaths(ctx.fields);
            const entry = await services.tokens.lookup(token);
            if (!entry) throw badRequest('invalid token');
            return capabilitiesOf(services, entry, paths);
          },
        },
      },
    }),
    definePath({
      pattern: 'capabilities-self',
      fields: pathFields,
      synopsis: "The calling token's capabilities on paths.",
      operations: {
        update: {
          summary: "Report the calling token's capabilities on paths.",
          handler: async (ctx) => {
            const paths = requestedPaths(ctx.fields);
            const entry = await callerEntry(services, ctx);
            if (!entry) throw badRequest('invalid token');
            return capabilitiesOf(services, entry, paths);
          },
        },
      },
    }),
    definePath({
      pattern: 'capabilities-accessor',
      fields: { accessor: { type: 'string', description: 'Accessor of the token to check.' }, ...pathFields },
      synopsis: "A token's capabilities on paths, by accessor.",
      operations: {
        update: {
          summary: "Report the capabilities on paths of the token with this accessor.",
          handler: async (ctx) => {
            const accessor = ctx.fields.accessor ?? '';
            if (accessor === '') throw badRequest('missing accessor');
            const entry = await services.tokens.lookupByAccessor(accessor);
            if (!entry) throw badRequest('invalid accessor');
            return capabilitiesOf(services, entry, requestedPaths(ctx.fields));
          },
        },
      },
    }),
  ];
}
