/** The KV version 2 backend: config, data, metadata, delete/undelete/destroy, then the catch-all. */
import type { Backend, BackendContext } from '../../../framework/types.ts';
import { hasV1Entries, upgradeKvV1ToV2 } from '../upgrade.ts';
import { catchAllPaths } from './catch-all.ts';
import { configPaths } from './config.ts';
import { dataPaths } from './data.ts';
import { metadataPaths } from './metadata.ts';
import { newV2State } from './state.ts';
import { CONFIG_KEY } from './store.ts';
import { versionPaths } from './versions.ts';

export interface KvV2Options {
  /** Clock in ms since the epoch (tests). */
  now?: () => number;
}

export function createKvV2Backend(ctx: BackendContext, opts: KvV2Options = {}): Backend {
  const state = newV2State(opts.now);
  return {
    type: 'kv',
    paths: [
      ...configPaths(state),
      ...dataPaths(state),
      ...metadataPaths(state),
      ...versionPaths(state),
      // Last, so that every valid path matches first.
      ...catchAllPaths(),
    ],
    async init() {
      // A mount tuned from version 1 whose upgrade did not finish: finish it before serving.
      if (await hasV1Entries(ctx.storage)) {
        ctx.logger.info('kv: moving version 1 entries to the version 2 layout', { mount: ctx.mount.path });
        await upgradeKvV1ToV2(ctx.storage, state.now);
        state.config.invalidate();
      }
    },
    invalidate(key: string) {
      if (key === CONFIG_KEY) state.config.invalidate();
    },
  };
}
