/** sys/wrapping/* (spec/core.md 2.10). Core does the wrapping itself (pipeline step 11). */
import type { SystemServices } from '../../core/contracts.ts';
import { badRequest } from '../../errors.ts';
import { definePath } from '../../framework/path.ts';
import type { PathDef, RequestContext } from '../../framework/types.ts';

const tokenField = { token: { type: 'string', description: 'The wrapping token.' } } as const;

/** The token of the body, else the request's own token. */
function wrappingToken(ctx: RequestContext<typeof tokenField>): string {
  const token = ctx.fields.token || ctx.clientToken;
  if (!token) throw badRequest('missing "token" value in input');
  return token;
}

export function wrappingPaths(services: SystemServices): PathDef[] {
  return [
    definePath({
      pattern: 'wrapping/wrap',
      fields: {},
      takesArbitraryInput: true,
      synopsis: 'Wrap arbitrary data in a single-use token.',
      operations: {
        update: {
          summary: 'Wrap the request body (requires X-Vault-Wrap-TTL).',
          handler: async (ctx) => {
            if (!ctx.wrapTTL) throw badRequest('endpoint requires response wrapping to be used');
            return { data: { ...ctx.raw } };
          },
        },
      },
    }),
    definePath({
      pattern: 'wrapping/unwrap',
      fields: tokenField,
      synopsis: 'Unwrap a wrapping token.',
      operations: {
        update: {
          summary: 'Return the wrapped response verbatim and revoke the wrapping token.',
          handler: async (ctx) => {
            const text = await services.wrapping.unwrap(wrappingToken(ctx));
            return { raw: { status: 200, body: text, contentType: 'application/json' } };
          },
        },
      },
    }),
    definePath({
      pattern: 'wrapping/lookup',
      fields: tokenField,
      synopsis: 'Look up a wrapping token without consuming it.',
      operations: {
        update: {
          summary: 'Report the creation TTL, time and path of a wrapping token.',
          handler: async (ctx) => ({ data: { ...(await services.wrapping.lookup(wrappingToken(ctx))) } }),
        },
      },
    }),
    definePath({
      pattern: 'wrapping/rewrap',
      fields: tokenField,
      synopsis: 'Move wrapped data to a new wrapping token.',
      operations: {
        update: {
          summary: 'Revoke the wrapping token and return a new one for the same data.',
          handler: async (ctx) => {
            const info = await services.wrapping.rewrap(wrappingToken(ctx));
            // Already wrapped by the wrapping service: reply with the wrapped-reply shape.
            return {
              raw: {
                status: 200,
                contentType: 'application/json',
                body: {
                  request_id: '',
                  lease_id: '',
                  renewable: false,
                  lease_duration: 0,
                  data: null,
                  wrap_info: { ...info },
                  warnings: null,
                  auth: null,
                  mount_type: '',
                },
              },
            };
          },
        },
      },
    }),
  ];
}
