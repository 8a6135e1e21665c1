/**
 * The KV secrets engine (type `kv`): version 1 or 2 by the mount option `version`
 * (`"2"` = versioned, anything else = version 1), spec/core.md 4.
 */
import type { Backend, BackendContext, BackendFactory } from '../../framework/types.ts';
import { kvV1Paths } from './v1.ts';
import { createKvV2Backend } from './v2/backend.ts';

export { upgradeKvV1ToV2 } from './upgrade.ts';
export { createKvV2Backend } from './v2/backend.ts';
export type { KvV2Options } from './v2/backend.ts';

export function kvVersion(options: Record<string, string> | null): 1 | 2 {
  return options?.version === '2' ? 2 : 1;
}

export const createKvBackend: BackendFactory = (ctx: BackendContext): Backend => {
  if (kvVersion(ctx.mount.options) === 2) return createKvV2Backend(ctx);
  return { type: 'kv', paths: kvV1Paths() };
};
