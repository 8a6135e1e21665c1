/**
 * Administrative passes over the expiration storage: tidy (spec/dynamic.md 1.7) and the
 * irrevocable-lease count and listing. They page through storage; none keeps more than a page
 * in memory except the irrevocable listing, whose size is the number of irrevocable leases.
 */
import type { Logger, StorageView, ViewTxOp } from '../../framework/types.ts';
import { errorText } from './engine.ts';
import { decodeJSON, dueKey, irrevocableKey, isIrrevocable, ownerKey, parseDueKey, tokenExpiryKey, tokenIndexId, unescapeId } from './records.ts';
import type { IndexValue, StoredLease, TokenExpiry } from './records.ts';

const PAGE = 500;

export interface MaintenanceDeps {
  view: StorageView;
  logger: Logger;
  load(leaseId: string): Promise<StoredLease | undefined>;
  /** Revokes through the engine, ignoring its errors, and deletes the record. */
  forceRevoke(leaseId: string): Promise<void>;
  tokenExists?: (tokenHash: string) => Promise<boolean>;
}

/** Calls `fn` for every entry under `prefix`, one page at a time. */
export async function forEachPage(
  view: StorageView,
  prefix: string,
  fn: (page: Array<{ key: string; value: Uint8Array }>) => Promise<void>,
): Promise<void> {
  let after: string | undefined;
  while (true) {
    const page = await view.scan(prefix, after === undefined ? { limit: PAGE } : { after, limit: PAGE });
    if (page.length === 0) return;
    await fn(page);
    if (page.length < PAGE) return;
    after = page[page.length - 1].key;
  }
}

/**
 * Force-revokes leases whose owning token is missing or empty (only when token existence can be
 * checked), restores missing index entries of the leases and token expiries that remain, and
 * removes index entries that point at nothing.
 */
export async function tidy(d: MaintenanceDeps): Promise<{ revoked: number; removed: number; repaired: number }> {
  let revoked = 0;
  let removed = 0;
  let repaired = 0;
  const { view, tokenExists } = d;
  const known = new Map<string, boolean>();
  const tokenGone = async (hash: string): Promise<boolean> => {
    if (!tokenExists) return false;
    if (hash === '') return true;
    let exists = known.get(hash);
    if (exists === undefined) {
      exists = await tokenExists(hash);
      if (known.size > 10_000) known.clear();
      known.set(hash, exists);
    }
    return !exists;
  };

  await forEachPage(view, 'id/', async (page) => {
    const ops: ViewTxOp[] = [];
    for (const e of page) {
      const rec = decodeJSON<StoredLease>(e.value);
      if (!rec) continue;
      if (await tokenGone(rec.tokenHash)) {
        try {
          await d.forceRevoke(rec.leaseId);
          revoked++;
        } catch (err) {
          d.logger.warn('expiration: tidy could not remove a lease', { lease_id: rec.leaseId, error: errorText(err) });
        }
        continue;
      }
      const key = isIrrevocable(rec) ? irrevocableKey(rec.leaseId) : dueKey(rec.dueTime, rec.leaseId);
      if ((await view.get(key)) === undefined) {
        const value = isIrrevocable(rec) ? { id: rec.leaseId } : ({ kind: 'lease', id: rec.leaseId } satisfies IndexValue);
        ops.push({ op: 'put', key, value: { json: value } });
      }
      if (rec.tokenHash && (await view.get(ownerKey(rec.tokenHash, rec.leaseId))) === undefined) {
        ops.push({ op: 'put', key: ownerKey(rec.tokenHash, rec.leaseId), value: { json: { id: rec.leaseId } } });
      }
    }
    if (ops.length > 0) {
      await view.transaction(ops);
      repaired += ops.length;
    }
  });

  await forEachPage(view, 'tokexp/', async (page) => {
    const ops: ViewTxOp[] = [];
    for (const e of page) {
      const rec = decodeJSON<TokenExpiry>(e.value);
      if (!rec) {
        ops.push({ op: 'delete', key: e.key });
        continue;
      }
      const key = dueKey(rec.dueTime, tokenIndexId(rec.hash));
      if (await tokenGone(rec.hash)) {
        ops.push({ op: 'delete', key: e.key }, { op: 'delete', key });
        removed++;
      } else if ((await view.get(key)) === undefined) {
        ops.push({ op: 'put', key, value: { json: { kind: 'token', id: rec.hash } satisfies IndexValue } });
        repaired++;
      }
    }
    if (ops.length > 0) await view.transaction(ops);
  });

  const sweep = async (prefix: string, dangling: (key: string, value: Uint8Array) => Promise<boolean>): Promise<void> => {
    await forEachPage(view, prefix, async (page) => {
      const ops: ViewTxOp[] = [];
      for (const e of page) if (await dangling(e.key, e.value)) ops.push({ op: 'delete', key: e.key });
      if (ops.length > 0) {
        await view.transaction(ops);
        removed += ops.length;
      }
    });
  };

  await sweep('at/', async (key, value) => {
    const parsed = parseDueKey(key);
    const v = decodeJSON<IndexValue>(value);
    if (!parsed || !v || typeof v.id !== 'string') return true;
    if (v.kind === 'token') {
      const rec = await view.getJSON<TokenExpiry>(tokenExpiryKey(v.id));
      return !rec || rec.dueTime !== parsed.ms;
    }
    const rec = await d.load(v.id);
    return !rec || isIrrevocable(rec) || rec.dueTime !== parsed.ms;
  });
  await sweep('token/', async (key) => {
    const rec = await d.load(unescapeId(key.slice(key.lastIndexOf('/') + 1)));
    return rec === undefined || key !== ownerKey(rec.tokenHash, rec.leaseId);
  });
  await sweep('irrevocable/', async (key) => {
    const rec = await d.load(unescapeId(key.slice('irrevocable/'.length)));
    return !rec || !isIrrevocable(rec);
  });
  return { revoked, removed, repaired };
}

/** Every irrevocable lease record, sorted by expiry then id. */
export async function irrevocableLeases(d: Pick<MaintenanceDeps, 'view' | 'load'>): Promise<StoredLease[]> {
  const out: StoredLease[] = [];
  await forEachPage(d.view, 'irrevocable/', async (page) => {
    for (const e of page) {
      const v = decodeJSON<{ id: string }>(e.value);
      const rec = v && typeof v.id === 'string' ? await d.load(v.id) : undefined;
      if (rec && isIrrevocable(rec)) out.push(rec);
    }
  });
  out.sort((a, b) => a.expireTime - b.expireTime || (a.leaseId < b.leaseId ? -1 : a.leaseId > b.leaseId ? 1 : 0));
  return out;
}
