/**
 * Revocation (spec/auth.md 1.8): a tree revocation removes the token, every non-orphan
 * descendant (depth-first, children before parents) and every lease they own; an orphan
 * revocation removes one token and turns its children into orphans. Each revoked token is first
 * marked pending (num_uses -1) so it stops authenticating at once, then its cubbyhole, leases,
 * expiry registration, indexes and entry go.
 */
import type { TokenEntry } from '../contracts.ts';
import type { TokenStore } from './store.ts';

async function markPending(store: TokenStore, hash: string): Promise<void> {
  await store.lock.run(hash, async () => {
    const fresh = await store.repo.load(hash, true);
    if (fresh && fresh.numUses !== -1) await store.repo.save({ ...fresh, numUses: -1 });
  });
}

/** Revokes one token; `parentHint` is the parent whose child index led here (if any). */
async function revokeOne(store: TokenStore, hash: string, parentHint?: string): Promise<TokenEntry | undefined> {
  const entry = await store.repo.load(hash, true);
  if (entry) {
    await markPending(store, hash);
    if (entry.cubbyholeId) await store.deps.onRevoke(entry);
  }
  await store.deps.expiration.revokeByToken(hash);
  if (entry) {
    await store.deps.expiration.unregisterToken(entry);
    await store.repo.remove(entry);
  }
  if (parentHint && entry?.parentHash !== parentHint) await store.repo.unlinkChild(parentHint, hash);
  return entry;
}

export function revokeTree(store: TokenStore, hash: string): Promise<void> {
  const running = store.revoking.get(hash);
  if (running) return running;
  const job = revokeTreeNow(store, hash).finally(() => store.revoking.delete(hash));
  store.revoking.set(hash, job);
  return job;
}

async function revokeTreeNow(store: TokenStore, rootHash: string): Promise<void> {
  await markPending(store, rootHash);
  const stack: Array<{ hash: string; parent?: string }> = [{ hash: rootHash }];
  const seen = new Set<string>();
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    seen.add(top.hash);
    const pending: Array<{ hash: string; parent: string }> = [];
    for (const child of await store.repo.children(top.hash)) {
      // A cycle can only come from corrupted indexes: drop the link instead of looping.
      if (seen.has(child)) await store.repo.unlinkChild(top.hash, child);
      else pending.push({ hash: child, parent: top.hash });
    }
    if (pending.length === 0) {
      await revokeOne(store, top.hash, top.parent);
      stack.pop();
    } else {
      stack.push(...pending);
    }
  }
}

export async function revokeOrphan(store: TokenStore, hash: string): Promise<void> {
  await revokeOne(store, hash);
  for (const child of await store.repo.children(hash)) {
    await store.lock.run(child, async () => {
      const fresh = await store.repo.load(child, true);
      if (fresh && fresh.parentHash === hash) await store.repo.save({ ...fresh, parentHash: '' });
    });
    await store.repo.unlinkChild(hash, child);
  }
}

/**
 * Cleans dangling indexes: child links of vanished parents (live children become orphans),
 * accessor records of vanished tokens (their leases are revoked), mount links of vanished
 * tokens; tokens found expired are revoked. Best effort: one failure does not stop the rest.
 */
export async function tidy(store: TokenStore): Promise<void> {
  const repo = store.repo;
  const attempt = async (fn: () => Promise<void>): Promise<void> => {
    try {
      await fn();
    } catch {
      // Best effort; the next tidy retries.
    }
  };
  const now = store.now();

  for (const parent of await repo.parents()) {
    const parentEntry = await repo.load(parent, true);
    for (const child of await repo.children(parent)) {
      await attempt(async () => {
        const childEntry = await repo.load(child, true);
        if (childEntry && parentEntry) return;
        if (childEntry) {
          await store.lock.run(child, async () => {
            const fresh = await repo.load(child, true);
            if (fresh && fresh.parentHash === parent) await repo.save({ ...fresh, parentHash: '' });
          });
        }
        await repo.unlinkChild(parent, child);
      });
    }
  }

  for (const { key, record } of await repo.accessorRecords()) {
    await attempt(async () => {
      if (!record?.tokenHash) return repo.deleteAccessorKey(key);
      const entry = await repo.load(record.tokenHash, true);
      if (!entry) {
        await store.deps.expiration.revokeByToken(record.tokenHash);
        await repo.deleteAccessorKey(key);
      } else if (entry.expireTime > 0 && entry.expireTime <= now) {
        await store.revokeTree(entry.hash);
      }
    });
  }

  for (const mountAccessor of await repo.mountAccessors()) {
    for (const hash of await repo.mountTokens(mountAccessor)) {
      await attempt(async () => {
        if (!(await repo.load(hash, true))) await repo.unlinkMount(mountAccessor, hash);
      });
    }
  }
}
