/** auth/token/revoke, revoke-self, revoke-accessor, revoke-orphan (spec/auth.md 1.3, 1.8). */
import { badRequest } from '../../errors.ts';
import { definePath } from '../../framework/path.ts';
import type { LogicalResponse, PathDef } from '../../framework/types.ts';
import type { TokenEntry } from '../../core/contracts.ts';
import type { TokenStore } from '../../core/token/store.ts';

const tokenField = { token: { type: 'string', description: 'Token to revoke.' } } as const;
const accessorField = { accessor: { type: 'string', description: 'Accessor of the token to revoke.' } } as const;

/** Revokes a token's tree: 204, also when the token does not exist. */
async function revokeTree(store: TokenStore, entry: TokenEntry | undefined): Promise<undefined> {
  if (!entry) return undefined;
  if (entry.type === 'batch') throw badRequest('batch tokens cannot be revoked');
  await store.revokeTree(entry.hash);
  return undefined;
}

export function revokePaths(store: TokenStore): PathDef[] {
  return [
    definePath({
      pattern: 'revoke-self',
      fields: {},
      operations: {
        update: { handler: async (ctx) => revokeTree(store, await store.lookup(ctx.clientToken)), summary: 'Revoke the calling token.' },
      },
      synopsis: 'Revoke the calling token and its children.',
      description: 'Revokes the token used for this request, its non-orphan descendants and their leases.',
    }),
    definePath({
      pattern: 'revoke-accessor',
      fields: accessorField,
      operations: {
        update: {
          handler: async (ctx): Promise<LogicalResponse | undefined> => {
            const accessor = ctx.fields.accessor ?? '';
            if (!accessor) throw badRequest('missing accessor');
            const entry = await store.lookupByAccessor(accessor);
            if (!entry) return { data: null, warnings: ['No token found with this accessor'] };
            return revokeTree(store, entry);
          },
          summary: 'Revoke a token by accessor.',
        },
      },
      synopsis: 'Revoke a token and its children by accessor.',
      description: 'Revokes the token with this accessor, its non-orphan descendants and their leases.',
    }),
    definePath({
      pattern: 'revoke-orphan',
      fields: tokenField,
      operations: {
        update: {
          handler: async (ctx) => {
            const token = ctx.fields.token ?? '';
            if (!token) throw badRequest('missing token ID');
            if (!ctx.caller?.sudo) throw badRequest('root or sudo privileges required to revoke and orphan');
            const entry = await store.lookup(token);
            if (!entry) throw badRequest('token to revoke not found');
            if (entry.type === 'batch') throw badRequest('batch tokens cannot be revoked');
            await store.revokeOrphan(entry.hash);
            return undefined;
          },
          summary: 'Revoke a token, orphaning its children.',
        },
      },
      synopsis: 'Revoke a token and orphan its children.',
      description: 'Revokes only the given token; its direct children become orphans and keep working. Needs sudo.',
    }),
    definePath({
      pattern: 'revoke',
      fields: tokenField,
      operations: {
        update: {
          handler: async (ctx) => {
            const token = ctx.fields.token ?? '';
            if (!token) throw badRequest('missing token ID');
            return revokeTree(store, await store.lookup(token));
          },
          summary: 'Revoke a token.',
        },
      },
      synopsis: 'Revoke a token and its children.',
      description: 'Revokes the given token, its non-orphan descendants and their leases.',
    }),
  ];
}
