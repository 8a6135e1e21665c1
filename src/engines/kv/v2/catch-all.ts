/**
 * Every other path of a KV v2 mount answers a raw 404 envelope with a warning (spec/core.md
 * 4.2): the roots `data`, `metadata`, `delete`, `undelete`, `destroy` say non-listing operations
 * are unsupported; anything else names the `vault kv` subcommand for the operation.
 */
import { definePath } from '../../../framework/path.ts';
import type { LogicalResponse, Operation, PathDef, RequestContext } from '../../../framework/types.ts';
import { rawEnvelope404 } from './raw.ts';

export const ROOT_WARNING = 'Non-listing operations on the root of a K/V v2 mount are not supported.';

const ROOTS = new Set(['data', 'metadata', 'delete', 'undelete', 'destroy']);

const SUBCOMMAND: Partial<Record<Operation, string>> = {
  create: 'put',
  update: 'put',
  patch: 'patch',
  read: 'get',
  list: 'list',
  delete: 'delete',
};

export function invalidPathWarning(operation: Operation): string {
  return (
    'Invalid path for a versioned K/V secrets engine. See the API docs for the appropriate API endpoints to use. ' +
    `If using the Vault CLI, use 'vault kv ${SUBCOMMAND[operation] ?? ''}' for this operation.`
  );
}

export function catchAllPaths(): PathDef[] {
  const handler = async (ctx: RequestContext<Record<string, never>>): Promise<LogicalResponse | undefined> => {
    const warning = ROOTS.has(ctx.path) ? ROOT_WARNING : invalidPathWarning(ctx.operation);
    return rawEnvelope404(ctx, null, [warning]);
  };
  return [
    definePath({
      pattern: '.*',
      fields: {},
      takesArbitraryInput: true,
      synopsis: 'Invalid path for a versioned K/V secrets engine.',
      operations: {
        read: { handler },
        create: { handler },
        update: { handler },
        patch: { handler },
        delete: { handler },
        list: { handler },
      },
    }),
  ];
}
