/**
 * Persistence of the token store through its storage view. Only keyed hashes are keys; the raw
 * token is never written. Layout (relative to the view):
 *
 *   salt                       HMAC key (random, created once)
 *   batch-key                  AES-256-GCM key of batch tokens (random, created once)
 *   id/<hash>                  token entry, hash = HMAC-SHA256(salt, token)
 *   accessor/<hmac(accessor)>  { accessor, tokenHash }
 *   parent/<hash>/<childHash>  child index for subtree revocation
 *   mount/<accessor>/<hash>    tokens issued by an auth mount (revoked when it is disabled)
 *   roles/<name>               token-store roles
 *
 * Entries are cached in memory by hash (bounded, least recently used out first) and the cache
 * is updated on every write of that entry.
 *
 * Token hashes are memoised (bounded) because every request hashes its token, often twice
 * (validation, then the token's own endpoints). The memo is keyed by a SHA-256 of the token
 * under a random per-process pepper, never by the token itself, and holds only the keyed hashes
 * that are storage keys anyway; it is dropped whenever the salt is (re)loaded.
 */
import { createCipheriv, createDecipheriv, createHmac, hash, randomBytes } from 'node:crypto';
import type { StorageView, ViewTxOp } from '../../framework/types.ts';
import type { TokenEntry } from '../contracts.ts';
import { BATCH_PREFIX } from './ids.ts';

const CACHE_LIMIT = 10_000;
const HASH_MEMO_LIMIT = 4096;
const BATCH_AAD = Buffer.from('keep/batch-token/v1');
const EMPTY = new Uint8Array(0);

export interface AccessorRecord {
  accessor: string;
  tokenHash: string;
}

/** What a batch token carries (encrypted inside the token string). */
interface BatchPayload {
  p: string[];
  pa: string;
  pt: string;
  m: Record<string, string> | null;
  d: string;
  c: number;
  t: number;
  r: string;
  e: string;
  b: string[];
  ma: string;
  i: number;
  x?: Record<string, unknown>;
}

export class TokenRepo {
  private salt: Buffer | undefined;
  private batchKey: Buffer | undefined;
  private readonly cache = new Map<string, TokenEntry>();
  /** sha256(pepper + token) -> hashToken(token); see the file comment. */
  private readonly hashMemo = new Map<string, string>();
  private readonly pepper = randomBytes(16).toString('base64');

  constructor(private readonly view: StorageView) {}

  async setup(): Promise<void> {
    this.salt = await this.loadOrCreateKey('salt');
    this.batchKey = await this.loadOrCreateKey('batch-key');
    this.cache.clear();
    this.hashMemo.clear();
  }

  private async loadOrCreateKey(name: string): Promise<Buffer> {
    const stored = await this.view.getJSON<{ key: string }>(name);
    if (stored?.key) return Buffer.from(stored.key, 'base64');
    const key = randomBytes(32);
    await this.view.putJSON(name, { key: key.toString('base64') });
    return key;
  }

  private hmac(value: string): string {
    if (!this.salt) throw new Error('token store is not set up');
    return createHmac('sha256', this.salt).update(value).digest('hex');
  }

  hashToken(raw: string): string {
    const memoKey = hash('sha256', this.pepper + raw, 'base64');
    const known = this.hashMemo.get(memoKey);
    if (known !== undefined) return known;
    const hashed = this.hmac(raw);
    this.hashMemo.set(memoKey, hashed);
    if (this.hashMemo.size > HASH_MEMO_LIMIT) {
      const oldest = this.hashMemo.keys().next().value;
      if (oldest !== undefined) this.hashMemo.delete(oldest);
    }
    return hashed;
  }

  hashAccessor(accessor: string): string {
    return this.hmac(`accessor:${accessor}`);
  }

  // -- entries ---------------------------------------------------------------------------------

  /** The stored entry whatever its state (pending revocation and expired included). */
  async load(hash: string, fresh = false): Promise<TokenEntry | undefined> {
    if (!fresh) {
      const hit = this.cache.get(hash);
      if (hit) {
        this.cache.delete(hash);
        this.cache.set(hash, hit);
        return hit;
      }
    }
    const entry = await this.view.getJSON<TokenEntry>(`id/${hash}`);
    if (entry) this.remember(entry);
    else this.cache.delete(hash);
    return entry;
  }

  private remember(entry: TokenEntry): void {
    this.cache.delete(entry.hash);
    this.cache.set(entry.hash, entry);
    if (this.cache.size > CACHE_LIMIT) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
  }

  /** Rewrites an existing entry. */
  async save(entry: TokenEntry): Promise<void> {
    this.cache.delete(entry.hash);
    await this.view.putJSON(`id/${entry.hash}`, entry);
    this.remember(entry);
  }

  /** Writes a new service token with its indexes in one transaction. */
  async insert(entry: TokenEntry): Promise<void> {
    const ops: ViewTxOp[] = [];
    if (entry.parentHash) ops.push({ op: 'put', key: `parent/${entry.parentHash}/${entry.hash}`, value: EMPTY });
    if (entry.accessor) {
      const record: AccessorRecord = { accessor: entry.accessor, tokenHash: entry.hash };
      ops.push({ op: 'put', key: `accessor/${this.hashAccessor(entry.accessor)}`, value: { json: record } });
    }
    if (entry.mountAccessor) ops.push({ op: 'put', key: `mount/${entry.mountAccessor}/${entry.hash}`, value: EMPTY });
    ops.push({ op: 'put', key: `id/${entry.hash}`, value: { json: entry } });
    this.cache.delete(entry.hash);
    await this.view.transaction(ops);
    this.remember(entry);
  }

  /** Deletes an entry and its indexes. */
  async remove(entry: TokenEntry): Promise<void> {
    const ops: ViewTxOp[] = [];
    if (entry.parentHash) ops.push({ op: 'delete', key: `parent/${entry.parentHash}/${entry.hash}` });
    if (entry.accessor) ops.push({ op: 'delete', key: `accessor/${this.hashAccessor(entry.accessor)}` });
    if (entry.mountAccessor) ops.push({ op: 'delete', key: `mount/${entry.mountAccessor}/${entry.hash}` });
    ops.push({ op: 'delete', key: `id/${entry.hash}` });
    this.cache.delete(entry.hash);
    await this.view.transaction(ops);
  }

  /** Drops a cached entry written elsewhere (HA invalidation); `key` is relative to the view. */
  invalidate(key: string): void {
    if (key.startsWith('id/')) this.cache.delete(key.slice(3));
    else if (key === 'salt' || key === 'batch-key' || key === '') {
      this.cache.clear();
      this.hashMemo.clear();
    }
  }

  // -- indexes ---------------------------------------------------------------------------------

  async children(parentHash: string): Promise<string[]> {
    const keys = await this.view.list(`parent/${parentHash}/`);
    return keys.filter((k) => !k.endsWith('/'));
  }

  async unlinkChild(parentHash: string, childHash: string): Promise<void> {
    await this.view.delete(`parent/${parentHash}/${childHash}`);
  }

  async parents(): Promise<string[]> {
    const keys = await this.view.list('parent/');
    return keys.filter((k) => k.endsWith('/')).map((k) => k.slice(0, -1));
  }

  async accessorRecord(accessor: string): Promise<AccessorRecord | undefined> {
    return this.view.getJSON<AccessorRecord>(`accessor/${this.hashAccessor(accessor)}`);
  }

  /** Every accessor index record with its storage key (relative to `accessor/`). */
  async accessorRecords(): Promise<Array<{ key: string; record: AccessorRecord | undefined }>> {
    const keys = (await this.view.list('accessor/')).filter((k) => !k.endsWith('/'));
    const out: Array<{ key: string; record: AccessorRecord | undefined }> = [];
    for (const key of keys) out.push({ key, record: await this.view.getJSON<AccessorRecord>(`accessor/${key}`) });
    return out;
  }

  async deleteAccessorKey(key: string): Promise<void> {
    await this.view.delete(`accessor/${key}`);
  }

  async mountTokens(mountAccessor: string): Promise<string[]> {
    const keys = await this.view.list(`mount/${mountAccessor}/`);
    return keys.filter((k) => !k.endsWith('/'));
  }

  async unlinkMount(mountAccessor: string, hash: string): Promise<void> {
    await this.view.delete(`mount/${mountAccessor}/${hash}`);
  }

  async mountAccessors(): Promise<string[]> {
    const keys = await this.view.list('mount/');
    return keys.filter((k) => k.endsWith('/')).map((k) => k.slice(0, -1));
  }

  // -- roles -----------------------------------------------------------------------------------

  getRoleRaw<T>(name: string): Promise<T | undefined> {
    return this.view.getJSON<T>(`roles/${name}`);
  }

  putRoleRaw(name: string, role: unknown): Promise<void> {
    return this.view.putJSON(`roles/${name}`, role);
  }

  deleteRole(name: string): Promise<void> {
    return this.view.delete(`roles/${name}`);
  }

  async listRoles(): Promise<string[]> {
    return (await this.view.list('roles/')).filter((k) => !k.endsWith('/'));
  }

  // -- batch tokens ----------------------------------------------------------------------------

  /** Seals a batch entry into its self-contained `hvb.` token string. */
  sealBatch(entry: TokenEntry): string {
    if (!this.batchKey) throw new Error('token store is not set up');
    const payload: BatchPayload = {
      p: entry.policies,
      pa: entry.parentHash,
      pt: entry.path,
      m: entry.meta,
      d: entry.displayName,
      c: entry.creationTime,
      t: entry.ttl,
      r: entry.role,
      e: entry.entityId,
      b: entry.boundCIDRs,
      ma: entry.mountAccessor,
      i: entry.issueTime,
    };
    if (entry.internalData && Object.keys(entry.internalData).length > 0) payload.x = entry.internalData;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.batchKey, iv);
    cipher.setAAD(BATCH_AAD);
    const body = Buffer.concat([cipher.update(JSON.stringify(payload), 'utf8'), cipher.final()]);
    return BATCH_PREFIX + Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url');
  }

  /** Opens a batch token; undefined when it is malformed or was not sealed with our key. */
  openBatch(raw: string): TokenEntry | undefined {
    if (!this.batchKey || !raw.startsWith(BATCH_PREFIX)) return undefined;
    const blob = Buffer.from(raw.slice(BATCH_PREFIX.length), 'base64url');
    if (blob.length < 12 + 16 + 2) return undefined;
    let payload: BatchPayload;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.batchKey, blob.subarray(0, 12));
      decipher.setAAD(BATCH_AAD);
      decipher.setAuthTag(blob.subarray(blob.length - 16));
      const plain = Buffer.concat([decipher.update(blob.subarray(12, blob.length - 16)), decipher.final()]);
      payload = JSON.parse(plain.toString('utf8')) as BatchPayload;
    } catch {
      return undefined;
    }
    return {
      hash: this.hashToken(raw),
      accessor: '',
      policies: payload.p,
      parentHash: payload.pa,
      path: payload.pt,
      meta: payload.m,
      displayName: payload.d,
      numUses: 0,
      creationTime: payload.c,
      ttl: payload.t,
      explicitMaxTTL: 0,
      period: 0,
      role: payload.r,
      entityId: payload.e,
      type: 'batch',
      boundCIDRs: payload.b,
      expireTime: payload.i + payload.t * 1000,
      issueTime: payload.i,
      lastRenewalTime: 0,
      renewable: false,
      mountAccessor: payload.ma,
      cubbyholeId: '',
      internalData: payload.x,
    };
  }
}
