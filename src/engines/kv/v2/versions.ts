/**
 * `M/delete/<key>`, `M/undelete/<key>`, `M/destroy/<key>` (spec/core.md 4.2): soft-delete,
 * restore, or permanently destroy listed versions.
 */
import { badRequest } from '../../../errors.ts';
import { definePath } from '../../../framework/path.ts';
import type { LogicalResponse, PathDef, RequestContext, ViewTxOp } from '../../../framework/types.ts';
import { checkKey } from '../passthrough.ts';
import type { V2State } from './state.ts';
import { getKeyMeta, metaKey, versionKey } from './store.ts';
import { isPast, rfc3339 } from './time.ts';
import { deletionTimeFrom } from './versioning.ts';

const fields = {
  path: { type: 'string', description: 'Location of the secret.' },
  versions: { type: 'comma-int-slice', description: 'The versions to act on.' },
} as const;

type Ctx = RequestContext<typeof fields>;

function requireVersions(ctx: Ctx, message: string): number[] {
  const versions = ctx.fields.versions ?? [];
  if (versions.length === 0) throw badRequest(message);
  return versions;
}

export function versionPaths(state: V2State): PathDef[] {
  const softDelete = async (ctx: Ctx): Promise<LogicalResponse | undefined> => {
    const key = checkKey(ctx.fields.path ?? '');
    const versions = requireVersions(ctx, 'No version number provided');
    return state.lock.run(key, async () => {
      const meta = await getKeyMeta(ctx.storage, key);
      if (!meta) return undefined;
      const now = state.now();
      for (const n of versions) {
        const vm = meta.versions[String(n)];
        if (!vm || vm.destroyed || isPast(vm.deletion_time, now)) continue;
        vm.deletion_time = rfc3339(now);
      }
      await ctx.storage.putJSON(metaKey(key), meta);
      return undefined;
    });
  };

  const undelete = async (ctx: Ctx): Promise<LogicalResponse | undefined> => {
    const key = checkKey(ctx.fields.path ?? '');
    const versions = requireVersions(ctx, 'No version number provided');
    const config = await state.config.get(ctx.storage);
    return state.lock.run(key, async () => {
      const meta = await getKeyMeta(ctx.storage, key);
      if (!meta) return undefined;
      const now = state.now();
      for (const n of versions) {
        const vm = meta.versions[String(n)];
        if (!vm || vm.destroyed) continue;
        vm.deletion_time = deletionTimeFrom(now, config, meta);
      }
      await ctx.storage.putJSON(metaKey(key), meta);
      return undefined;
    });
  };

  const destroy = async (ctx: Ctx): Promise<LogicalResponse | undefined> => {
    const key = checkKey(ctx.fields.path ?? '');
    const versions = requireVersions(ctx, 'no version number provided');
    return state.lock.run(key, async () => {
      const meta = await getKeyMeta(ctx.storage, key);
      if (!meta) return undefined;
      const ops: ViewTxOp[] = [];
      for (const n of versions) {
        const vm = meta.versions[String(n)];
        if (vm && !vm.destroyed) vm.destroyed = true;
        ops.push({ op: 'delete', key: versionKey(key, n) });
      }
      ops.unshift({ op: 'put', key: metaKey(key), value: { json: meta } });
      await ctx.storage.transaction(ops);
      return undefined;
    });
  };

  const def = (verb: string, handler: (ctx: Ctx) => Promise<LogicalResponse | undefined>, summary: string): PathDef =>
    definePath({
      pattern: `${verb}/(?<path>.*)`,
      fields,
      synopsis: summary,
      operations: { update: { handler, summary } },
    });

  return [
    def('delete', softDelete, 'Marks one or more versions as deleted in the KV store.'),
    def('undelete', undelete, 'Undeletes one or more versions from the KV store.'),
    def('destroy', destroy, 'Permanently removes one or more versions in the KV store.'),
  ];
}
