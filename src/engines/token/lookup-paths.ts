/** auth/token/lookup, lookup-self, lookup-accessor (spec/auth.md 1.3, 1.10). */
import { badRequest, forbidden } from '../../errors.ts';
import { definePath } from '../../framework/path.ts';
import type { LogicalResponse, PathDef } from '../../framework/types.ts';
import type { TokenStore } from '../../core/token/store.ts';

const tokenField = { token: { type: 'string', description: 'Token to look up (body, or ?token= on GET).' } } as const;
const selfFields = { token: { type: 'string', description: 'Unused: the calling token is looked up.' } } as const;
const accessorField = { accessor: { type: 'string', description: 'Accessor of the token to look up.' } } as const;

/** Looks a presented token up; the caller's own token is visible on its final use too. */
async function lookupToken(store: TokenStore, id: string, clientToken: string): Promise<LogicalResponse> {
  const entry = id === clientToken ? await store.lookupSelf(id) : await store.lookup(id);
  if (!entry) throw forbidden('bad token');
  return { data: await store.describe(entry, id) };
}

export function lookupPaths(store: TokenStore): PathDef[] {
  return [
    definePath({
      pattern: 'lookup-self',
      fields: selfFields,
      operations: {
        read: { handler: (ctx) => lookupToken(store, ctx.clientToken, ctx.clientToken), summary: 'Look up the calling token.' },
        update: { handler: (ctx) => lookupToken(store, ctx.clientToken, ctx.clientToken), summary: 'Look up the calling token.' },
      },
      synopsis: 'Look up the calling token.',
      description: 'Returns the properties of the token used for this request (after this request consumed its use).',
    }),
    definePath({
      pattern: 'lookup-accessor',
      fields: accessorField,
      operations: {
        update: {
          handler: async (ctx) => {
            const accessor = ctx.fields.accessor ?? '';
            if (!accessor) throw badRequest('missing accessor');
            const entry = await store.lookupByAccessor(accessor);
            if (!entry) throw badRequest('invalid accessor');
            return { data: await store.describe(entry, '') };
          },
          summary: 'Look up a token by accessor.',
        },
      },
      synopsis: 'Look up a token by its accessor.',
      description: 'Returns the properties of the token with this accessor; the token itself is not returned.',
    }),
    definePath({
      pattern: 'lookup',
      fields: tokenField,
      operations: {
        read: { handler: (ctx) => lookupGiven(store, ctx.fields.token, ctx.clientToken), summary: 'Look up a token.' },
        update: { handler: (ctx) => lookupGiven(store, ctx.fields.token, ctx.clientToken), summary: 'Look up a token.' },
      },
      synopsis: 'Look up a token.',
      description: 'Returns the properties of the given token (the calling token when none is given).',
    }),
  ];
}

function lookupGiven(store: TokenStore, token: string | undefined, clientToken: string): Promise<LogicalResponse> {
  const id = token || clientToken;
  if (!id) throw badRequest('missing token ID');
  return lookupToken(store, id, clientToken);
}
