/**
 * `tidy/secret-id` (spec/auth.md 5.8): deletes expired secret IDs, secret IDs whose accessor
 * index is gone or whose role no longer exists, and accessor indexes whose secret ID is gone.
 * Logins already refuse expired secret IDs; tidy only reclaims storage.
 */
import { ACCESSOR_PREFIX, SECRET_ID_PREFIX, decodeJson, type AppRoleStore } from './store.ts';
import { isExpired, type AccessorEntry, type SecretIdEntry } from './secret-id.ts';

export const TIDY_STARTED = "Tidy operation successfully started. Any information from the operation will be printed to Vault's server logs.";
export const TIDY_RUNNING = 'Tidy operation already in progress.';

export interface TidyResult {
  /** Secret IDs deleted. */
  secretIds: number;
  /** Dangling accessor indexes deleted. */
  accessors: number;
}

const PAGE = 256;

async function liveRoleDirs(store: AppRoleStore): Promise<Set<string>> {
  const live = new Set<string>();
  for (const name of await store.listRoles()) {
    const role = await store.getRole(name);
    if (role) live.add(store.roleNameHmac(role));
  }
  return live;
}

/**
 * `orphanDir`: no role had this directory's name HMAC when tidy started; only secret IDs created
 * before that moment are then removed (a role created meanwhile keeps its new secret IDs).
 */
async function tidyDir(store: AppRoleStore, dir: string, orphanDir: boolean, now: number): Promise<number> {
  let deleted = 0;
  const doomed = (entry: SecretIdEntry, hasAccessor: boolean): boolean =>
    (orphanDir && entry.creation_time < now) || !hasAccessor || isExpired(entry, now);
  for await (const { key, entry } of store.secretIdEntries(dir)) {
    if (!doomed(entry, (await store.getAccessor(entry.secret_id_accessor)) !== undefined)) continue;
    await store.withSecretId(entry.secret_id_hmac, async () => {
      const fresh = await store.getSecretId(key, entry.secret_id_hmac);
      if (!fresh) return;
      const stillAccessor = (await store.getAccessor(fresh.secret_id_accessor)) !== undefined;
      if (!doomed(fresh, stillAccessor)) return;
      await store.deleteSecretId(key, stillAccessor ? fresh.secret_id_accessor : undefined);
      deleted++;
    });
  }
  return deleted;
}

async function tidyAccessors(store: AppRoleStore): Promise<number> {
  let deleted = 0;
  let after: string | undefined;
  while (true) {
    const page = await store.view.scan(ACCESSOR_PREFIX, { after, limit: PAGE });
    for (const e of page) {
      const index = decodeJson<AccessorEntry>(e.value);
      const secretKey = `${SECRET_ID_PREFIX}${index.role_name_hmac}/${index.secret_id_hmac}`;
      if ((await store.view.get(secretKey)) !== undefined) continue;
      await store.withSecretId(index.secret_id_hmac, async () => {
        if ((await store.view.get(secretKey)) !== undefined) return;
        await store.view.delete(e.key);
        deleted++;
      });
    }
    if (page.length < PAGE) return deleted;
    after = page[page.length - 1].key;
  }
}

export async function tidySecretIds(store: AppRoleStore, now: number): Promise<TidyResult> {
  const live = await liveRoleDirs(store);
  let secretIds = 0;
  for (const child of await store.view.list(SECRET_ID_PREFIX)) {
    if (!child.endsWith('/')) continue;
    const dir = child.slice(0, -1);
    secretIds += await tidyDir(store, dir, !live.has(dir), now);
  }
  const accessors = await tidyAccessors(store);
  return { secretIds, accessors };
}
