/**
 * Lease endpoints (spec/core.md 2.9, spec/dynamic.md 1.4-1.7) and their legacy aliases
 * sys/renew, sys/revoke, sys/revoke-prefix, sys/revoke-force (one declaration each).
 */
import type { SystemServices } from '../../core/contracts.ts';
import { badRequest } from '../../errors.ts';
import { definePath } from '../../framework/path.ts';
import type { LogicalResponse, PathDef } from '../../framework/types.ts';

const ACCEPTED: LogicalResponse = { raw: { status: 202, body: '', contentType: 'application/json' } };
const DEFAULT_LIST_LIMIT = 10000;

function leaseIdOf(fields: { lease_id?: string; url_lease_id?: string }): string {
  const id = fields.lease_id || fields.url_lease_id || '';
  if (id === '') throw badRequest('lease_id must be specified');
  return id;
}

function isIrrevocableQuery(type: string | undefined): boolean {
  return (type ?? '').toLowerCase() === 'irrevocable';
}

export function leasePaths(services: SystemServices): PathDef[] {
  const exp = services.expiration;
  return [
    definePath({
      pattern: 'leases/lookup',
      fields: { lease_id: { type: 'string', description: 'The lease to look up.' } },
      synopsis: 'Look up a lease.',
      operations: {
        update: {
          summary: 'Look up the times of a lease.',
          handler: async (ctx) => {
            const id = ctx.fields.lease_id ?? '';
            if (id === '') throw badRequest('lease_id must be specified');
            const found = await exp.lookup(id);
            if (!found) throw badRequest('invalid lease');
            return { data: { ...found } };
          },
        },
      },
    }),
    definePath({
      pattern: 'leases/lookup/(?<prefix>.*)',
      fields: { prefix: { type: 'string', description: 'Lease-id prefix to list under.' } },
      synopsis: 'List lease ids under a prefix.',
      operations: {
        list: {
          summary: 'List the lease ids and sub-prefixes under a prefix.',
          handler: async (ctx) => {
            let prefix = ctx.fields.prefix ?? '';
            if (prefix !== '' && !prefix.endsWith('/')) prefix += '/';
            return { data: { keys: await exp.listPrefix(prefix) } };
          },
        },
      },
    }),
    definePath({
      pattern: '(?:leases/)?renew(?:/(?<url_lease_id>.+))?',
      fields: {
        lease_id: { type: 'string', description: 'The lease to renew (wins over the URL).' },
        url_lease_id: { type: 'string', description: 'The lease to renew, in the URL.' },
        increment: { type: 'duration', default: 0, description: 'Requested TTL from now; 0 = engine default.' },
      },
      synopsis: 'Renew a lease.',
      operations: {
        update: {
          summary: 'Renew a lease.',
          handler: async (ctx) => {
            const id = leaseIdOf(ctx.fields);
            const r = await exp.renew(id, ctx.fields.increment);
            return {
              data: null,
              leaseId: r.leaseId,
              leaseDuration: r.ttl,
              renewable: r.renewable,
              warnings: r.warnings.length > 0 ? r.warnings : undefined,
            };
          },
        },
      },
    }),
    definePath({
      pattern: '(?:leases/)?revoke(?:/(?<url_lease_id>.+))?',
      fields: {
        lease_id: { type: 'string', description: 'The lease to revoke (wins over the URL).' },
        url_lease_id: { type: 'string', description: 'The lease to revoke, in the URL.' },
        sync: { type: 'bool', default: true, description: 'Revoke now (204) or queue it (202).' },
      },
      synopsis: 'Revoke a lease.',
      operations: {
        update: {
          summary: 'Revoke a lease.',
          handler: async (ctx) => {
            const id = leaseIdOf(ctx.fields);
            await exp.revoke(id, ctx.fields.sync);
            return ctx.fields.sync ? undefined : ACCEPTED;
          },
        },
      },
    }),
    definePath({
      pattern: '(?:leases/)?revoke-prefix/(?<prefix>.+)',
      fields: {
        prefix: { type: 'string', description: 'Lease-id prefix.' },
        sync: { type: 'bool', default: true, description: 'Revoke now (204) or queue (202).' },
      },
      synopsis: 'Revoke every lease under a prefix.',
      operations: {
        update: {
          summary: 'Revoke every lease under a prefix.',
          handler: async (ctx) => {
            await exp.revokePrefix(ctx.fields.prefix ?? '', { sync: ctx.fields.sync, force: false });
            return ctx.fields.sync ? undefined : ACCEPTED;
          },
        },
      },
    }),
    definePath({
      pattern: '(?:leases/)?revoke-force/(?<prefix>.+)',
      fields: { prefix: { type: 'string', description: 'Lease-id prefix.' } },
      synopsis: 'Revoke every lease under a prefix, deleting them even when the engine fails.',
      operations: {
        update: {
          summary: 'Force-revoke every lease under a prefix.',
          handler: async (ctx) => {
            await exp.revokePrefix(ctx.fields.prefix ?? '', { sync: true, force: true });
            return undefined;
          },
        },
      },
    }),
    definePath({
      pattern: 'leases/tidy',
      fields: {},
      synopsis: 'Clean up the lease index.',
      operations: {
        update: {
          summary: 'Start a tidy of the lease index.',
          handler: async () => {
            await exp.tidy();
            return {
              status: 202,
              warnings: ["Tidy operation successfully started. Any information from the operation will be printed to Keep's server logs."],
            };
          },
        },
      },
    }),
    definePath({
      pattern: 'leases/count',
      fields: {
        type: { type: 'string', query: true, description: 'Must be "irrevocable".' },
        include_child_namespaces: { type: 'bool', default: false, query: true, description: 'Accepted; Keep has no namespaces.' },
      },
      synopsis: 'Count irrevocable leases.',
      operations: {
        read: {
          summary: 'Count the irrevocable leases by mount.',
          handler: async (ctx) => {
            if (!isIrrevocableQuery(ctx.fields.type)) return undefined;
            return { data: { ...(await exp.countIrrevocable()) } };
          },
        },
      },
    }),
    definePath({
      pattern: 'leases',
      fields: {
        type: { type: 'string', query: true, description: 'Must be "irrevocable".' },
        include_child_namespaces: { type: 'bool', default: false, query: true, description: 'Accepted; Keep has no namespaces.' },
        limit: { type: 'string', query: true, description: '"none" or a number (default 10000).' },
      },
      synopsis: 'List irrevocable leases.',
      operations: {
        read: {
          summary: 'List the irrevocable leases.',
          handler: async (ctx) => {
            if (!isIrrevocableQuery(ctx.fields.type)) return undefined;
            const limitText = (ctx.fields.limit ?? '').trim();
            let limit = DEFAULT_LIST_LIMIT;
            if (limitText.toLowerCase() === 'none') limit = 0;
            else if (limitText !== '') {
              if (!/^\d+$/.test(limitText) || Number(limitText) < 1) throw badRequest('invalid limit');
              limit = Number(limitText);
            }
            const r = await exp.listIrrevocable(limit);
            const resp: LogicalResponse = { data: { lease_count: r.leases.length, leases: r.leases } };
            if (r.truncated) {
              resp.warnings = [
                `Listing of irrevocable leases was truncated to ${limit} entries. Set limit=none to list all of them.`,
              ];
            }
            return resp;
          },
        },
      },
    }),
  ];
}
