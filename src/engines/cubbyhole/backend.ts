/**
 * The cubbyhole engine (type `cubbyhole`): KV version 1 semantics, but every key lives under the
 * calling token's own prefix (`<cubbyholeId>/<key>` in the mount's storage), so no token can see
 * another's entries. Reads report no lease duration. Values are the JSON text of the written
 * object, so core may put entries itself (response wrapping: `response`, `wrapinfo`) with
 * `storage.putJSON(cubbyholeKey(id, name), object)`.
 */
import { permissionDenied } from '../../errors.ts';
import type { Backend, BackendFactory, RequestContext, StorageView, ViewTxOp } from '../../framework/types.ts';
import { passthroughPaths } from '../kv/passthrough.ts';

/** Storage key (inside the cubbyhole mount's view) of `name` in the cubbyhole `cubbyholeId`. */
export function cubbyholeKey(cubbyholeId: string, name: string): string {
  return `${cubbyholeId}/${name}`;
}

function callerView(ctx: RequestContext): StorageView {
  const id = ctx.caller?.cubbyholeId;
  if (!id || id.includes('/') || id.includes('..')) throw permissionDenied();
  return ctx.storage.sub(`${id}/`);
}

export const createCubbyholeBackend: BackendFactory = (): Backend => ({
  type: 'cubbyhole',
  paths: passthroughPaths({
    view: callerView,
    synopsis: 'Per-token private secret storage.',
  }),
});

/** Deletes every entry of one cubbyhole (core calls this when the owning token is revoked). */
export async function destroyCubbyhole(storage: StorageView, cubbyholeId: string): Promise<void> {
  if (!cubbyholeId || cubbyholeId.includes('/')) return;
  const prefix = `${cubbyholeId}/`;
  for (;;) {
    const batch = await storage.scan(prefix, { limit: 256 });
    if (batch.length === 0) return;
    const ops: ViewTxOp[] = batch.map((entry) => ({ op: 'delete', key: entry.key }));
    await storage.transaction(ops);
  }
}
