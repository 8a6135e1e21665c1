/**
 * Storage of one AppRole mount (spec/auth.md 5.4), inside the mount's encrypted view:
 *
 *   salt                              {"salt": hex}                mount salt for the indexes below
 *   role/<lower name>                 RoleEntry
 *   role_id/<HMAC(salt, role_id)>     {"name": role}               role_id -> role
 *   secret_id/<HMAC(k, name)>/<HMAC(k, secret_id)>   SecretIdEntry  k = the role's hmac_key
 *   accessor/<HMAC(salt, accessor)>   {"secret_id_hmac", "role_name_hmac"}
 *
 * Neither a secret ID nor a role ID appears in a key or a value. Read-modify-write sequences run
 * under in-process keyed locks (role name, role_id hash, secret-ID hash).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { internalError, unsupportedPath } from '../../errors.ts';
import { KeyedMutex } from '../../core/token/lock.ts';
import type { StorageView, ViewTxOp } from '../../framework/types.ts';
import { applyRoleWrite, hasConstraint, type RoleEntry, type RoleInput } from './role.ts';
import type { AccessorEntry, SecretIdEntry } from './secret-id.ts';

const SALT_KEY = 'salt';
const ROLE_PREFIX = 'role/';
const ROLE_ID_PREFIX = 'role_id/';
export const SECRET_ID_PREFIX = 'secret_id/';
export const ACCESSOR_PREFIX = 'accessor/';
/** Operations per storage transaction when deleting many entries. */
const BATCH = 256;
const decoder = new TextDecoder();

export function hmacHex(key: string, value: string): string {
  return createHmac('sha256', key).update(value, 'utf8').digest('hex');
}

/** Constant-time equality of two strings. */
export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  if (x.length !== y.length) {
    timingSafeEqual(x, x);
    return false;
  }
  return timingSafeEqual(x, y);
}

export function decodeJson<T>(value: Uint8Array): T {
  return JSON.parse(decoder.decode(value)) as T;
}

export class AppRoleStore {
  readonly lock = new KeyedMutex();
  private salt: Promise<string> | undefined;

  constructor(readonly view: StorageView) {}

  /** Drops cached state for a key written elsewhere (another node). */
  invalidate(key: string): void {
    if (key === SALT_KEY) this.salt = undefined;
  }

  private loadSalt(): Promise<string> {
    this.salt ??= (async () => {
      const stored = await this.view.getJSON<{ salt: string }>(SALT_KEY);
      if (stored?.salt) return stored.salt;
      const salt = randomBytes(32).toString('hex');
      await this.view.putJSON(SALT_KEY, { salt });
      return salt;
    })().catch((e: unknown) => {
      this.salt = undefined;
      throw e;
    });
    return this.salt;
  }

  async init(): Promise<void> {
    await this.loadSalt();
  }

  async saltedHash(value: string): Promise<string> {
    return hmacHex(await this.loadSalt(), value);
  }

  // ---- roles ----

  async getRole(name: string): Promise<RoleEntry | undefined> {
    return this.view.getJSON<RoleEntry>(ROLE_PREFIX + name.toLowerCase());
  }

  async listRoles(): Promise<string[]> {
    const keys = await this.view.list(ROLE_PREFIX);
    return keys.filter((k) => !k.endsWith('/')).sort();
  }

  /** Creates or updates a role (`mustExist`: 404 instead of creating); returns the warnings. */
  async writeRole(rawName: string, input: RoleInput, mountMaxTTL: number, opts: { mustExist?: boolean } = {}): Promise<string[]> {
    const name = rawName.toLowerCase();
    return this.lock.run(`role:${name}`, async () => {
      const existing = await this.getRole(name);
      if (!existing && opts.mustExist) throw unsupportedPath();
      const { role, warnings } = applyRoleWrite(name, existing, input, mountMaxTTL);
      if (!hasConstraint(role)) throw internalError('at least one constraint should be enabled on the role');
      const idKey = ROLE_ID_PREFIX + (await this.saltedHash(role.role_id));
      await this.lock.run(`role_id:${idKey}`, async () => {
        const index = await this.view.getJSON<{ name: string }>(idKey);
        if (index && index.name !== name) throw internalError('role_id already in use');
        const ops: ViewTxOp[] = [{ op: 'put', key: ROLE_PREFIX + name, value: { json: role } }];
        if (existing && existing.role_id !== role.role_id) {
          ops.push({ op: 'delete', key: ROLE_ID_PREFIX + (await this.saltedHash(existing.role_id)) });
        }
        if (!index) ops.push({ op: 'put', key: idKey, value: { json: { name } } });
        await this.view.transaction(ops);
      });
      return warnings;
    });
  }

  /** Deletes a role, its secret IDs with their accessors, and its role_id index. */
  async deleteRole(rawName: string): Promise<void> {
    const name = rawName.toLowerCase();
    await this.lock.run(`role:${name}`, async () => {
      const role = await this.getRole(name);
      if (!role) return;
      await this.purgeSecretIdDir(this.roleNameHmac(role), () => true);
      const idKey = ROLE_ID_PREFIX + (await this.saltedHash(role.role_id));
      await this.lock.run(`role_id:${idKey}`, async () => {
        const index = await this.view.getJSON<{ name: string }>(idKey);
        const ops: ViewTxOp[] = [{ op: 'delete', key: ROLE_PREFIX + name }];
        if (index?.name === name) ops.push({ op: 'delete', key: idKey });
        await this.view.transaction(ops);
      });
    });
  }

  /** The role a role_id belongs to (compared in constant time), or undefined. */
  async roleByRoleId(roleId: string): Promise<RoleEntry | undefined> {
    const index = await this.view.getJSON<{ name: string }>(ROLE_ID_PREFIX + (await this.saltedHash(roleId)));
    if (!index) return undefined;
    const role = await this.getRole(index.name);
    if (!role || !sameSecret(role.role_id, roleId)) return undefined;
    return role;
  }

  // ---- secret IDs ----

  roleNameHmac(role: RoleEntry): string {
    return hmacHex(role.hmac_key, role.name);
  }

  secretIdHmac(role: RoleEntry, secretId: string): string {
    return hmacHex(role.hmac_key, secretId);
  }

  secretKey(role: RoleEntry, secretHmac: string): string {
    return `${SECRET_ID_PREFIX}${this.roleNameHmac(role)}/${secretHmac}`;
  }

  async accessorKey(accessor: string): Promise<string> {
    return ACCESSOR_PREFIX + (await this.saltedHash(accessor));
  }

  /** Runs `fn` holding the lock of one secret ID. */
  withSecretId<T>(secretHmac: string, fn: () => Promise<T>): Promise<T> {
    return this.lock.run(`sid:${secretHmac}`, fn);
  }

  /** The entry stored under `key` if its HMAC matches (constant time). */
  async getSecretId(key: string, secretHmac: string): Promise<SecretIdEntry | undefined> {
    const entry = await this.view.getJSON<SecretIdEntry>(key);
    if (!entry || !sameSecret(entry.secret_id_hmac, secretHmac)) return undefined;
    return entry;
  }

  async getAccessor(accessor: string): Promise<AccessorEntry | undefined> {
    return this.view.getJSON<AccessorEntry>(await this.accessorKey(accessor));
  }

  /** Stores a new secret ID and its accessor atomically; false if the secret ID exists. */
  async registerSecretId(role: RoleEntry, secretHmac: string, entry: SecretIdEntry): Promise<boolean> {
    const key = this.secretKey(role, secretHmac);
    return this.withSecretId(secretHmac, async () => {
      if (await this.view.get(key)) return false;
      const accessor: AccessorEntry = { secret_id_hmac: secretHmac, role_name_hmac: this.roleNameHmac(role) };
      await this.view.transaction([
        { op: 'put', key: await this.accessorKey(entry.secret_id_accessor), value: { json: accessor } },
        { op: 'put', key, value: { json: entry } },
      ]);
      return true;
    });
  }

  /** Deletes a secret ID entry and its accessor index (caller holds the secret-ID lock). */
  async deleteSecretId(key: string, accessor: string | undefined): Promise<void> {
    const ops: ViewTxOp[] = [{ op: 'delete', key }];
    if (accessor) ops.unshift({ op: 'delete', key: await this.accessorKey(accessor) });
    await this.view.transaction(ops);
  }

  async putSecretId(key: string, entry: SecretIdEntry): Promise<void> {
    await this.view.putJSON(key, entry);
  }

  /** Every secret-ID entry of a role-name HMAC directory, in key order, page by page. */
  async *secretIdEntries(roleNameHmac: string): AsyncGenerator<{ key: string; entry: SecretIdEntry }> {
    const prefix = `${SECRET_ID_PREFIX}${roleNameHmac}/`;
    let after: string | undefined;
    while (true) {
      const page = await this.view.scan(prefix, { after, limit: BATCH });
      for (const e of page) yield { key: e.key, entry: decodeJson<SecretIdEntry>(e.value) };
      if (page.length < BATCH) return;
      after = page[page.length - 1].key;
    }
  }

  /**
   * Deletes the entries of one role-name HMAC directory for which `doomed` holds, with their
   * accessors; returns how many went.
   */
  async purgeSecretIdDir(roleNameHmac: string, doomed: (entry: SecretIdEntry) => boolean): Promise<number> {
    let deleted = 0;
    let ops: ViewTxOp[] = [];
    for await (const { key, entry } of this.secretIdEntries(roleNameHmac)) {
      if (!doomed(entry)) continue;
      ops.push({ op: 'delete', key });
      if (entry.secret_id_accessor) ops.push({ op: 'delete', key: await this.accessorKey(entry.secret_id_accessor) });
      deleted++;
      if (ops.length >= BATCH) {
        await this.view.transaction(ops);
        ops = [];
      }
    }
    if (ops.length > 0) await this.view.transaction(ops);
    return deleted;
  }
}
