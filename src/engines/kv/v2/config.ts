/** `M/config` (spec/core.md 4.2): mount-wide max_versions, cas_required, delete_version_after. */
import { formatGoDuration } from '../../../framework/duration.ts';
import { definePath } from '../../../framework/path.ts';
import type { LogicalResponse, PathDef, RequestContext } from '../../../framework/types.ts';
import type { V2State } from './state.ts';
import { DELETE_VERSION_AFTER_DISABLED } from './store.ts';

const fields = {
  max_versions: { type: 'int', description: 'The number of versions to keep for each key (0 = 10).' },
  cas_required: { type: 'bool', description: 'Require the cas parameter on every write.' },
  delete_version_after: {
    type: 'signed-duration',
    description: 'Time after which a new version is deleted; 0 clears, negative disables for all keys.',
  },
} as const;

type Ctx = RequestContext<typeof fields>;

export function configPaths(state: V2State): PathDef[] {
  const read = async (ctx: Ctx): Promise<LogicalResponse | undefined> => {
    const config = await state.config.get(ctx.storage);
    return {
      data: {
        cas_required: config.cas_required,
        delete_version_after: formatGoDuration(config.delete_version_after),
        max_versions: config.max_versions,
      },
    };
  };

  const write = async (ctx: Ctx): Promise<LogicalResponse | undefined> => {
    const { max_versions, cas_required, delete_version_after } = ctx.fields;
    if (max_versions === undefined && cas_required === undefined && delete_version_after === undefined) return undefined;
    const config = await state.config.get(ctx.storage);
    if (max_versions !== undefined) config.max_versions = max_versions;
    if (cas_required !== undefined) config.cas_required = cas_required;
    if (delete_version_after !== undefined) {
      config.delete_version_after = delete_version_after < 0 ? DELETE_VERSION_AFTER_DISABLED : delete_version_after;
    }
    await state.config.put(ctx.storage, config);
    return undefined;
  };

  return [
    definePath({
      pattern: 'config',
      fields,
      synopsis: 'Configures settings for the KV store.',
      operations: {
        read: { handler: read, summary: 'Read the backend level settings.' },
        update: { handler: write, summary: 'Configure backend level settings applied to every key.' },
      },
    }),
  ];
}
