/**
 * Upgrade of a KV mount from version 1 to version 2 (spec/core.md 2.5): every `v1/<key>` entry
 * becomes version 1 of `<key>` in the v2 layout. Keys move in batches, each batch one storage
 * transaction (new version data + metadata, old entry deleted), so an interrupted upgrade resumes
 * where it stopped and running it twice changes nothing. The stored JSON text moves as-is.
 */
import type { StorageView, ViewTxOp } from '../../framework/types.ts';
import { V1_PREFIX } from './v1.ts';
import { defaultConfig, getKeyMeta, newKeyMeta } from './v2/store.ts';
import type { MountConfig } from './v2/store.ts';
import { addVersion } from './v2/versioning.ts';

const BATCH = 128;

export async function upgradeKvV1ToV2(storage: StorageView, now: () => number = Date.now): Promise<void> {
  const config: MountConfig = { ...defaultConfig(), ...((await storage.getJSON<Partial<MountConfig>>('config')) ?? {}) };
  for (;;) {
    const batch = await storage.scan(V1_PREFIX, { limit: BATCH });
    if (batch.length === 0) return;
    const ops: ViewTxOp[] = [];
    for (const entry of batch) {
      const key = entry.key.startsWith(V1_PREFIX) ? entry.key.slice(V1_PREFIX.length) : entry.key;
      const meta = (await getKeyMeta(storage, key)) ?? newKeyMeta(key);
      ops.push(...addVersion(meta, config, entry.value, now()).ops);
      ops.push({ op: 'delete', key: entry.key });
    }
    await storage.transaction(ops);
  }
}

/** True when v1 entries are waiting to be moved (a fresh upgrade, or an interrupted one). */
export async function hasV1Entries(storage: StorageView): Promise<boolean> {
  return (await storage.scan(V1_PREFIX, { limit: 1 })).length > 0;
}
