/**
 * Unversioned key/value paths shared by KV v1 and cubbyhole: one catch-all path that stores the
 * whole request body as JSON text under the key, reads it back verbatim, lists direct children,
 * and deletes. Patch is not declared, so the framework answers `405 unsupported operation`.
 */
import { badRequest, relativePath } from '../../errors.ts';
import { definePath } from '../../framework/path.ts';
import type { LogicalResponse, PathDef, RequestContext, StorageView } from '../../framework/types.ts';
import { decodeData, encodeData } from './json-data.ts';

export interface PassthroughOptions {
  /** The storage the request's keys live in (throws when the caller may not have one). */
  view(ctx: RequestContext): StorageView;
  /** `lease_duration` for a read of `data` (KV v1); undefined = report none. */
  leaseDuration?(data: Record<string, unknown>, ctx: RequestContext): number;
  synopsis: string;
}

/** Vault's storage refuses keys containing `..` anywhere (a plain substring test). */
export function checkKey(key: string): string {
  if (key.includes('..')) throw relativePath();
  return key;
}

const fields = { path: { type: 'string', description: 'Location of the secret.' } } as const;

export function passthroughPaths(opts: PassthroughOptions): PathDef[] {
  const read = async (ctx: RequestContext<typeof fields>): Promise<LogicalResponse | undefined> => {
    const key = checkKey(ctx.fields.path ?? '');
    const view = opts.view(ctx);
    if (key === '') return undefined;
    const bytes = await view.get(key);
    if (bytes === undefined) return undefined;
    const data = decodeData(bytes);
    const response: LogicalResponse = { data };
    if (opts.leaseDuration) response.leaseDuration = opts.leaseDuration(data, ctx);
    return response;
  };

  const write = async (ctx: RequestContext<typeof fields>): Promise<LogicalResponse | undefined> => {
    const key = checkKey(ctx.fields.path ?? '');
    const view = opts.view(ctx);
    if (key === '') throw badRequest('missing path');
    if (Object.keys(ctx.raw).length === 0) throw badRequest('missing data fields');
    await view.put(key, encodeData(ctx.raw));
    return undefined;
  };

  const remove = async (ctx: RequestContext<typeof fields>): Promise<LogicalResponse | undefined> => {
    const key = checkKey(ctx.fields.path ?? '');
    const view = opts.view(ctx);
    if (key !== '') await view.delete(key);
    return undefined;
  };

  const list = async (ctx: RequestContext<typeof fields>): Promise<LogicalResponse | undefined> => {
    let prefix = checkKey(ctx.fields.path ?? '');
    const view = opts.view(ctx);
    if (prefix !== '' && !prefix.endsWith('/')) prefix += '/';
    const keys = await view.list(prefix);
    return keys.length === 0 ? undefined : { data: { keys } };
  };

  return [
    definePath({
      pattern: '(?<path>.*)',
      fields,
      takesArbitraryInput: true,
      synopsis: opts.synopsis,
      existenceCheck: async (ctx) => {
        const key = checkKey(ctx.fields.path ?? '');
        const view = opts.view(ctx);
        return key !== '' && (await view.get(key)) !== undefined;
      },
      operations: {
        read: { handler: read, summary: 'Retrieve the secret at the specified location.' },
        create: { handler: write, summary: 'Store a secret at the specified location.' },
        update: { handler: write, summary: 'Store a secret at the specified location.' },
        delete: { handler: remove, summary: 'Deletes the secret at the specified location.' },
        list: { handler: list, summary: 'List secret entries at the specified location.' },
      },
    }),
  ];
}
