/** auth/token/renew, renew-self, renew-accessor (spec/auth.md 1.3, 1.7). */
import { badRequest } from '../../errors.ts';
import { definePath } from '../../framework/path.ts';
import type { LogicalResponse, PathDef } from '../../framework/types.ts';
import type { TokenEntry } from '../../core/contracts.ts';
import type { TokenStore } from '../../core/token/store.ts';

const increment = { type: 'duration', default: 0, description: 'Requested new TTL (seconds or duration string).' } as const;
const renewFields = { token: { type: 'string', description: 'Token to renew.' }, increment } as const;
const selfFields = { token: { type: 'string', description: 'Unused: the calling token is renewed.' }, increment } as const;
const accessorFields = { accessor: { type: 'string', description: 'Accessor of the token to renew.' }, increment } as const;

async function renewEntry(store: TokenStore, entry: TokenEntry | undefined, inc: number, clientToken: string): Promise<LogicalResponse> {
  if (!entry) throw badRequest('token not found');
  const result = await store.renew(entry, inc, clientToken);
  return { data: null, authBlock: result.authBlock, warnings: result.warnings.length > 0 ? result.warnings : undefined };
}

export function renewPaths(store: TokenStore): PathDef[] {
  return [
    definePath({
      pattern: 'renew-self',
      fields: selfFields,
      operations: {
        update: {
          handler: async (ctx) => renewEntry(store, await store.lookup(ctx.clientToken), ctx.fields.increment, ctx.clientToken),
          summary: 'Renew the calling token.',
        },
      },
      synopsis: 'Renew the calling token.',
      description: 'Extends the lease of the token used for this request.',
    }),
    definePath({
      pattern: 'renew-accessor',
      fields: accessorFields,
      operations: {
        update: {
          handler: async (ctx) => {
            const accessor = ctx.fields.accessor ?? '';
            if (!accessor) throw badRequest('missing accessor');
            const entry = await store.lookupByAccessor(accessor);
            if (!entry) throw badRequest('invalid accessor');
            return renewEntry(store, entry, ctx.fields.increment, '');
          },
          summary: 'Renew a token by accessor.',
        },
      },
      synopsis: 'Renew a token by its accessor.',
      description: 'Extends the lease of the token with this accessor; the token itself is not returned.',
    }),
    definePath({
      pattern: 'renew',
      fields: renewFields,
      operations: {
        update: {
          handler: async (ctx) => {
            const token = ctx.fields.token ?? '';
            if (!token) throw badRequest('missing token ID');
            return renewEntry(store, await store.lookup(token), ctx.fields.increment, token);
          },
          summary: 'Renew a token.',
        },
      },
      synopsis: 'Renew a token.',
      description: 'Extends the lease of the given token.',
    }),
  ];
}
