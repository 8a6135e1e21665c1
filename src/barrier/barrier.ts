import { sealed } from '../errors.ts';
import type { Entry, Physical, ScanOptions, TxOp } from '../storage/physical.ts';
import { CiphertextError, KEY_SIZE, UnknownTermError, decrypt, encrypt } from './aes-gcm.ts';
import { Keyring, rfc3339Nano } from './keyring.ts';
import type { StorageView } from './storage-view.ts';
import { BarrierView } from './view.ts';

/**
 * Physical keys that do NOT go through the barrier's keyring encryption (spec/core.md 6.6).
 * The barrier refuses to write or delete them; only the barrier itself and the seal manager
 * (seal.ts) touch them, directly on the physical store.
 *
 * - `core/seal-config`: the seal configuration, plaintext JSON (type, shares, threshold,
 *   recovery shares/threshold, static key id).
 * - `core/keyring`: the keyring (keyring.ts), AES-GCM-encrypted by the root key (term 1 in the
 *   header by convention, the path as AAD).
 * - `core/root-key`: the root key, AES-GCM-encrypted by the Shamir unseal key or by the static
 *   seal key (term 1 header, the path as AAD).
 * - `core/recovery-verifier`: static seals only; a fixed canary AES-GCM-encrypted by the recovery
 *   key, so combined recovery shares can be verified. The recovery key itself is never stored.
 */
export const SEAL_CONFIG_PATH = 'core/seal-config';
export const KEYRING_PATH = 'core/keyring';
export const ROOT_KEY_PATH = 'core/root-key';
export const RECOVERY_VERIFIER_PATH = 'core/recovery-verifier';
const RESERVED = new Set([SEAL_CONFIG_PATH, KEYRING_PATH, ROOT_KEY_PATH, RECOVERY_VERIFIER_PATH]);

/** The term written in the header of values encrypted by the root key (and other seal keys). */
export const ROOT_TERM = 1;

/** The root key given to unseal() does not decrypt the keyring. */
export class InvalidRootKeyError extends Error {
  constructor() {
    super('Unseal failed, invalid key');
    this.name = 'InvalidRootKeyError';
  }
}

function checkWritable(key: string): void {
  // Every reserved key starts with "core/" (a cheap test before hashing a long key).
  if (key.charCodeAt(0) === 99 /* c */ && RESERVED.has(key)) throw new Error(`barrier: ${key} is reserved for the seal`);
}

/**
 * The encryption barrier over a physical store: every value is AES-256-GCM-encrypted under the
 * keyring's active term with its full storage key as AAD. Sealed, every encrypted operation
 * throws `sealed()`. Nothing decrypted is cached (upper layers cache what they need).
 */
export class Barrier {
  private keyring: Keyring | null = null;
  private rootKey: Buffer | null = null;
  private rotating: Promise<void> = Promise.resolve();
  /** Bound once so decrypting allocates no closure per call. */
  private readonly keyFor = (term: number): Buffer | undefined => this.keyring?.key(term);

  constructor(readonly physical: Physical) {}

  get sealed(): boolean {
    return this.keyring === null;
  }

  /** Whether a keyring exists in storage. */
  async initialized(): Promise<boolean> {
    return (await this.physical.get(KEYRING_PATH)) !== undefined;
  }

  /**
   * Creates the keyring (term 1) and writes it encrypted by `rootKey`, in one physical
   * transaction with `alsoWrite` (the seal manager's entries). The barrier stays sealed.
   */
  async initialize(rootKey: Buffer, alsoWrite: TxOp[] = []): Promise<void> {
    if (rootKey.length !== KEY_SIZE) throw new Error('root key must be 32 bytes');
    if (await this.initialized()) throw new Error('barrier is already initialized');
    const keyring = Keyring.create();
    const plain = keyring.serialize();
    let value: Buffer;
    try {
      value = encrypt(rootKey, ROOT_TERM, plain, KEYRING_PATH);
    } finally {
      plain.fill(0);
      keyring.wipe();
    }
    await this.physical.transaction([{ op: 'put', key: KEYRING_PATH, value }, ...alsoWrite]);
  }

  /** Loads the keyring with `rootKey`. Throws InvalidRootKeyError if it is not the root key. */
  async unseal(rootKey: Buffer): Promise<void> {
    if (rootKey.length !== KEY_SIZE) throw new InvalidRootKeyError();
    const keyring = await this.loadKeyring(rootKey);
    this.seal();
    this.keyring = keyring;
    this.rootKey = Buffer.from(rootKey);
  }

  /** Wipes the keyring and the root key from memory. */
  seal(): void {
    this.keyring?.wipe();
    this.keyring = null;
    this.rootKey?.fill(0);
    this.rootKey = null;
  }

  /** Adds a key term (active + 1), persists the keyring, and makes the term active. */
  rotate(): Promise<void> {
    const run = this.rotating.then(() => this.rotateNow());
    this.rotating = run.catch(() => undefined);
    return run;
  }

  keyStatus(): { term: number; install_time: string; encryptions: number } {
    const keyring = this.keyring;
    if (keyring === null) throw sealed();
    const active = keyring.activeTerm;
    return { term: active.term, install_time: rfc3339Nano(active.installTime), encryptions: active.encryptions };
  }

  async get(key: string): Promise<Buffer | undefined> {
    if (this.keyring === null) throw sealed();
    const raw = await this.physical.get(key);
    if (raw === undefined) return undefined;
    return this.open(key, raw);
  }

  async put(key: string, value: Uint8Array): Promise<void> {
    const keyring = this.keyring;
    if (keyring === null) throw sealed();
    checkWritable(key);
    const active = keyring.activeTerm;
    const sealedValue = encrypt(active.key, active.term, value, key);
    keyring.countEncryption();
    await this.physical.put(key, sealedValue);
  }

  async delete(key: string): Promise<void> {
    if (this.keyring === null) throw sealed();
    checkWritable(key);
    await this.physical.delete(key);
  }

  async list(prefix: string): Promise<string[]> {
    if (this.keyring === null) throw sealed();
    return this.physical.list(prefix);
  }

  async scan(prefix: string, opts?: ScanOptions): Promise<Entry[]> {
    if (this.keyring === null) throw sealed();
    const entries = await this.physical.scan(prefix, opts);
    const out: Entry[] = new Array(entries.length);
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i];
      out[i] = { key: e.key, value: await this.open(e.key, e.value) };
    }
    return out;
  }

  async transaction(ops: TxOp[]): Promise<void> {
    const keyring = this.keyring;
    if (keyring === null) throw sealed();
    const sealedOps: TxOp[] = new Array(ops.length);
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i];
      checkWritable(op.key);
      if (op.op === 'put') {
        const active = keyring.activeTerm;
        sealedOps[i] = { op: 'put', key: op.key, value: encrypt(active.key, active.term, op.value, op.key) };
        keyring.countEncryption();
      } else {
        sealedOps[i] = op;
      }
    }
    await this.physical.transaction(sealedOps);
  }

  /** A storage view of the keys under `prefix` (which is '' or ends in '/'). */
  view(prefix: string): StorageView {
    return new BarrierView(this, prefix);
  }

  /** Decrypts with the keys held now (synchronous). */
  private openKnown(key: string, raw: Uint8Array): Buffer {
    if (this.keyring === null) throw sealed();
    return decrypt(this.keyFor, raw, key);
  }

  /**
   * Decrypts a stored value. A term newer than ours means another node rotated the keyring:
   * reload it from storage once and retry (only that case returns a promise; callers await).
   */
  private open(key: string, raw: Uint8Array): Buffer | Promise<Buffer> {
    try {
      return this.openKnown(key, raw);
    } catch (e) {
      if (!(e instanceof UnknownTermError) || this.rootKey === null || this.keyring === null) throw e;
      if (e.term <= this.keyring.activeTerm.term) throw e;
      return this.reloadKeyring().then(() => this.openKnown(key, raw));
    }
  }

  private async rotateNow(): Promise<void> {
    if (this.keyring === null || this.rootKey === null) throw sealed();
    const rootKey = this.rootKey;
    // Start from the stored keyring so a term added elsewhere is never reused.
    const current = await this.loadKeyring(rootKey);
    const mine = this.keyring;
    if (mine === null) {
      current.wipe();
      throw sealed();
    }
    if (current.activeTerm.term === mine.activeTerm.term) {
      current.activeTerm.encryptions = Math.max(current.activeTerm.encryptions, mine.activeTerm.encryptions);
    }
    const next = current.rotated();
    current.wipe();
    const plain = next.serialize();
    let value: Buffer;
    try {
      value = encrypt(rootKey, ROOT_TERM, plain, KEYRING_PATH);
    } finally {
      plain.fill(0);
    }
    try {
      await this.physical.put(KEYRING_PATH, value);
    } catch (e) {
      next.wipe();
      throw e;
    }
    if (this.keyring === null) {
      next.wipe();
      throw sealed();
    }
    this.keyring.wipe();
    this.keyring = next;
  }

  private async reloadKeyring(): Promise<void> {
    if (this.rootKey === null) throw sealed();
    const fresh = await this.loadKeyring(this.rootKey);
    if (this.keyring === null) {
      fresh.wipe();
      throw sealed();
    }
    const mine = this.keyring;
    if (fresh.activeTerm.term === mine.activeTerm.term) {
      fresh.activeTerm.encryptions = Math.max(fresh.activeTerm.encryptions, mine.activeTerm.encryptions);
    }
    mine.wipe();
    this.keyring = fresh;
  }

  private async loadKeyring(rootKey: Buffer): Promise<Keyring> {
    const raw = await this.physical.get(KEYRING_PATH);
    if (raw === undefined) throw new Error('barrier is not initialized');
    let plain: Buffer;
    try {
      plain = decrypt((term) => (term === ROOT_TERM ? rootKey : undefined), raw, KEYRING_PATH);
    } catch (e) {
      if (e instanceof CiphertextError) throw new InvalidRootKeyError();
      throw e;
    }
    try {
      return Keyring.deserialize(plain);
    } finally {
      plain.fill(0);
    }
  }
}
