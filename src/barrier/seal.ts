import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { badRequest, internalError } from '../errors.ts';
import type { Physical, TxOp } from '../storage/physical.ts';
import { CiphertextError, KEY_SIZE, decrypt, encrypt } from './aes-gcm.ts';
import { Barrier, InvalidRootKeyError, RECOVERY_VERIFIER_PATH, ROOT_KEY_PATH, ROOT_TERM, SEAL_CONFIG_PATH } from './barrier.ts';
import { BASE64, MAX_SHARE, MIN_SHARE, combineShares, decodeKeyShare, sealConfigError, splitSecret } from './shamir.ts';

/**
 * The seal (spec/core.md 2.1, 2.2, 6.1, 6.4, 6.5): initialisation, unseal-share collection, and
 * auto-unseal with a static key. Storage entries it owns are described in barrier.ts
 * (`core/seal-config`, `core/root-key`, `core/recovery-verifier`).
 *
 * - shamir: a random unseal key encrypts the root key; it is split into shares (never stored).
 * - static: a configured 32-byte key encrypts the root key, so the server unseals itself; init
 *   returns recovery shares of a random recovery key (only a verifier is stored). While sealed,
 *   `sys/unseal` takes recovery shares and, once they verify, unseals with the static key.
 */

export type SealSpec =
  | { type: 'shamir' }
  /** `previousKey`: the key being rotated out; a root key still sealed by it is re-sealed with `key`. */
  | { type: 'static'; key: Buffer; keyId: string; previousKey?: Buffer; previousKeyId?: string };

export interface InitParams {
  secretShares?: number;
  secretThreshold?: number;
  recoveryShares?: number;
  recoveryThreshold?: number;
  /** PGP keys for the shares (validated for count; encryption is not supported yet). */
  pgpKeys?: string[];
  recoveryPgpKeys?: string[];
}

export interface InitResult {
  /** Unseal key shares (shamir; empty for static). */
  keys: Buffer[];
  /** Recovery key shares (static; empty for shamir). */
  recoveryKeys: Buffer[];
  rootKey: Buffer;
}

export interface SealState {
  type: string;
  initialized: boolean;
  sealed: boolean;
  t: number;
  n: number;
  progress: number;
  nonce: string;
  recoverySeal: boolean;
  /** Only for seals with recovery keys: `shamir`. */
  recoverySealType?: string;
}

interface StoredSealConfig {
  type: 'shamir' | 'static';
  secret_shares: number;
  secret_threshold: number;
  stored_shares: number;
  recovery_shares?: number;
  recovery_threshold?: number;
  key_id?: string;
}

const VERIFIER_CANARY = Buffer.from('keep recovery key verifier v1', 'utf8');

export { decodeKeyShare };

/**
 * Parses a static seal key: 64 hex characters or standard base64 of 32 bytes (the config loader
 * resolves env:// and file:// first). The error never echoes the value.
 */
export function parseStaticKey(value: string): Buffer {
  const v = value.trim();
  if (/^[0-9a-fA-F]{64}$/.test(v)) return Buffer.from(v, 'hex');
  if (BASE64.test(v)) {
    const b = Buffer.from(v, 'base64');
    if (b.length === KEY_SIZE) return b;
    b.fill(0);
  }
  throw new Error('static seal key must be 32 bytes, written as 64 hex characters or base64');
}

function parseConfig(raw: Uint8Array): StoredSealConfig {
  const c = JSON.parse(Buffer.from(raw).toString('utf8')) as Partial<StoredSealConfig>;
  if ((c.type !== 'shamir' && c.type !== 'static') || typeof c.secret_shares !== 'number' || typeof c.secret_threshold !== 'number') {
    throw internalError('seal configuration in storage is malformed');
  }
  return c as StoredSealConfig;
}

function wipeAll(buffers: Buffer[]): void {
  for (const b of buffers) b.fill(0);
}

export class SealManager {
  private config: StoredSealConfig | null = null;
  private shares: Buffer[] = [];
  private nonce = '';
  private queue: Promise<unknown> = Promise.resolve();
  private readonly spec: SealSpec;

  constructor(
    private readonly physical: Physical,
    private readonly barrier: Barrier,
    spec: SealSpec,
  ) {
    if (spec.type === 'static') {
      if (spec.key.length !== KEY_SIZE) throw new Error('static seal key must be 32 bytes');
      if (spec.previousKey && spec.previousKey.length !== KEY_SIZE) throw new Error('previous static seal key must be 32 bytes');
      this.spec = {
        type: 'static',
        key: Buffer.from(spec.key),
        keyId: spec.keyId,
        previousKey: spec.previousKey ? Buffer.from(spec.previousKey) : undefined,
        previousKeyId: spec.previousKeyId,
      };
    } else {
      this.spec = { type: 'shamir' };
    }
  }

  get type(): string {
    return this.spec.type;
  }

  async initialized(): Promise<boolean> {
    return (await this.readConfig()) !== null;
  }

  /** sys/init. Validates as Vault does, writes everything in one transaction, stays sealed. */
  initialize(params: InitParams): Promise<InitResult> {
    return this.serial(() => this.initializeNow(params));
  }

  async status(): Promise<SealState> {
    const cfg = await this.readConfig();
    const isStatic = this.spec.type === 'static';
    const state: SealState = {
      type: this.spec.type,
      initialized: cfg !== null,
      sealed: this.barrier.sealed,
      t: 0,
      n: 0,
      progress: this.shares.length,
      nonce: this.nonce,
      recoverySeal: isStatic,
    };
    if (isStatic) state.recoverySealType = 'shamir';
    if (cfg !== null) {
      state.t = isStatic ? (cfg.recovery_threshold ?? 0) : cfg.secret_threshold;
      state.n = isStatic ? (cfg.recovery_shares ?? 0) : cfg.secret_shares;
    }
    return state;
  }

  /**
   * sys/unseal with `key`: one share (recovery share for a static seal). At the threshold the
   * shares are combined, verified and used; they are discarded whether or not that worked.
   */
  submitUnsealKey(key: string): Promise<void> {
    if (typeof key !== 'string' || key === '') {
      return Promise.reject(badRequest("'key' must be specified in request body as JSON, or 'reset' set to true"));
    }
    let share: Buffer;
    try {
      share = decodeKeyShare(key);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.serial(async () => {
      try {
        await this.acceptShare(share);
      } catch (e) {
        share.fill(0);
        throw e;
      }
    });
  }

  /** sys/unseal with `reset`: discards collected shares (throws synchronously). */
  resetUnseal(): void {
    if (!this.barrier.sealed) throw badRequest('vault is unsealed');
    this.clearShares();
  }

  /** Unseals with the static key (server start). */
  autoUnseal(): Promise<void> {
    return this.serial(async () => {
      if (this.spec.type !== 'static') throw new Error('auto-unseal needs a static seal');
      const cfg = await this.requireConfig();
      if (!this.barrier.sealed) return;
      await this.unsealWithStaticKey(cfg);
    });
  }

  /** Checks a combined recovery key against the stored verifier (static seals). */
  async verifyRecoveryKey(key: Buffer): Promise<boolean> {
    const raw = await this.physical.get(RECOVERY_VERIFIER_PATH);
    if (raw === undefined || key.length !== KEY_SIZE) return false;
    try {
      const plain = decrypt((term) => (term === ROOT_TERM ? key : undefined), raw, RECOVERY_VERIFIER_PATH);
      return plain.length === VERIFIER_CANARY.length && timingSafeEqual(plain, VERIFIER_CANARY);
    } catch (e) {
      if (e instanceof CiphertextError) return false;
      throw e;
    }
  }

  /** sys/seal: wipes collected shares and the barrier's keys. */
  seal(): void {
    this.clearShares();
    this.barrier.seal();
  }

  // -------------------------------------------------------------------------------------------

  private async initializeNow(p: InitParams): Promise<InitResult> {
    const num = (name: string, v: number | undefined): number => {
      if (v === undefined) return 0;
      if (!Number.isInteger(v)) throw badRequest(`${name} must be an integer`);
      return v;
    };
    const shares = num('secret_shares', p.secretShares);
    const threshold = num('secret_threshold', p.secretThreshold);
    let rShares = num('recovery_shares', p.recoveryShares);
    let rThreshold = num('recovery_threshold', p.recoveryThreshold);
    const pgp = p.pgpKeys?.length ?? 0;
    const rPgp = p.recoveryPgpKeys?.length ?? 0;
    const isStatic = this.spec.type === 'static';

    const misplaced = isStatic
      ? [shares && 'secret_shares', threshold && 'secret_threshold', pgp && 'pgp_keys']
      : [rShares && 'recovery_shares', rThreshold && 'recovery_threshold', rPgp && 'recovery_pgp_keys'];
    const given = misplaced.filter((x): x is string => typeof x === 'string');
    if (given.length > 0) throw badRequest(`parameters ${given.join(',')} not applicable to seal type ${this.spec.type}`);

    if (isStatic) {
      if (rShares === 0) rShares = 5;
      if (rThreshold === 0) rThreshold = 3;
      const err = sealConfigError(rShares, rThreshold, rPgp);
      if (err) throw badRequest(`invalid recovery configuration: ${err}`);
      if (rPgp > 0) throw badRequest('PGP-encrypted recovery keys are not supported');
    } else {
      const err = sealConfigError(shares, threshold, pgp);
      if (err) throw badRequest(`invalid seal configuration: ${err}`);
      if (pgp > 0) throw badRequest('PGP-encrypted key shares are not supported');
    }
    if (await this.initialized()) throw badRequest('Vault is already initialized');

    const rootKey = randomBytes(KEY_SIZE);
    const writes: TxOp[] = [];
    let keys: Buffer[] = [];
    let recoveryKeys: Buffer[] = [];
    let config: StoredSealConfig;
    if (this.spec.type === 'static') {
      const recoveryKey = randomBytes(KEY_SIZE);
      try {
        recoveryKeys = await splitSecret(recoveryKey, rShares, rThreshold);
        writes.push({ op: 'put', key: RECOVERY_VERIFIER_PATH, value: encrypt(recoveryKey, ROOT_TERM, VERIFIER_CANARY, RECOVERY_VERIFIER_PATH) });
      } finally {
        recoveryKey.fill(0);
      }
      writes.push({ op: 'put', key: ROOT_KEY_PATH, value: encrypt(this.spec.key, ROOT_TERM, rootKey, ROOT_KEY_PATH) });
      config = {
        type: 'static',
        secret_shares: 1,
        secret_threshold: 1,
        stored_shares: 1,
        recovery_shares: rShares,
        recovery_threshold: rThreshold,
        key_id: this.spec.keyId,
      };
    } else {
      const unsealKey = randomBytes(KEY_SIZE);
      try {
        keys = await splitSecret(unsealKey, shares, threshold);
        writes.push({ op: 'put', key: ROOT_KEY_PATH, value: encrypt(unsealKey, ROOT_TERM, rootKey, ROOT_KEY_PATH) });
      } finally {
        unsealKey.fill(0);
      }
      config = { type: 'shamir', secret_shares: shares, secret_threshold: threshold, stored_shares: 0 };
    }
    writes.push({ op: 'put', key: SEAL_CONFIG_PATH, value: Buffer.from(JSON.stringify(config), 'utf8') });
    try {
      await this.barrier.initialize(rootKey, writes);
    } catch (e) {
      wipeAll([rootKey, ...keys, ...recoveryKeys]);
      throw e;
    }
    this.config = config;
    this.clearShares();
    return { keys, recoveryKeys, rootKey };
  }

  private async acceptShare(share: Buffer): Promise<void> {
    const cfg = await this.readConfig();
    if (cfg === null) throw badRequest('Vault is not initialized');
    if (!this.barrier.sealed) {
      share.fill(0);
      return;
    }
    if (share.length < MIN_SHARE) throw badRequest(`key is shorter than minimum ${MIN_SHARE} bytes`);
    if (share.length > MAX_SHARE) throw badRequest(`key is longer than maximum ${MAX_SHARE} bytes`);
    if (cfg.type !== this.spec.type) {
      throw internalError(`stored seal type ${cfg.type} does not match the configured seal type ${this.spec.type}`);
    }
    let duplicate = false;
    for (const held of this.shares) {
      if (held.length === share.length && timingSafeEqual(held, share)) duplicate = true;
    }
    if (duplicate) {
      share.fill(0);
      return;
    }
    if (this.shares.length === 0) this.nonce = randomUUID();
    this.shares.push(share);
    const threshold = cfg.type === 'static' ? (cfg.recovery_threshold ?? 1) : cfg.secret_threshold;
    if (this.shares.length < threshold) return;

    const collected = this.shares;
    this.shares = [];
    this.nonce = '';
    let combined: Buffer;
    try {
      combined = await combineShares(collected);
    } catch (e) {
      throw badRequest(`failed to compute root key: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      wipeAll(collected);
    }
    try {
      if (cfg.type === 'static') {
        if (!(await this.verifyRecoveryKey(combined))) throw badRequest('Unseal failed, invalid recovery key');
        await this.unsealWithStaticKey(cfg);
      } else {
        await this.unsealWithKey(combined);
      }
    } finally {
      combined.fill(0);
    }
  }

  /** Decrypts the root key with the combined unseal key and unseals the barrier. */
  private async unsealWithKey(unsealKey: Buffer): Promise<void> {
    const invalid = () => badRequest('Unseal failed, invalid key');
    if (unsealKey.length !== KEY_SIZE) throw invalid();
    const rootKey = await this.decryptRootKey(unsealKey);
    if (rootKey === undefined) throw invalid();
    try {
      await this.barrier.unseal(rootKey);
    } catch (e) {
      if (e instanceof InvalidRootKeyError) throw invalid();
      throw e;
    } finally {
      rootKey.fill(0);
    }
  }

  private async unsealWithStaticKey(cfg: StoredSealConfig): Promise<void> {
    if (this.spec.type !== 'static') throw new Error('not a static seal');
    if (cfg.type !== 'static') {
      throw internalError(`stored seal type ${cfg.type} does not match the configured seal type static`);
    }
    let rootKey = await this.decryptRootKey(this.spec.key);
    if (rootKey === undefined && this.spec.previousKey) {
      rootKey = await this.decryptRootKey(this.spec.previousKey);
      if (rootKey !== undefined) {
        // Key rotation: re-seal the root key under the current key so the previous one can retire.
        const config: StoredSealConfig = { ...cfg, key_id: this.spec.keyId };
        await this.physical.transaction([
          { op: 'put', key: ROOT_KEY_PATH, value: encrypt(this.spec.key, ROOT_TERM, rootKey, ROOT_KEY_PATH) },
          { op: 'put', key: SEAL_CONFIG_PATH, value: Buffer.from(JSON.stringify(config), 'utf8') },
        ]);
      }
    }
    if (rootKey === undefined) {
      throw internalError(
        `static seal: the configured key (key_id "${this.spec.keyId}") cannot decrypt the root key ` +
          `(sealed with key_id "${cfg.key_id ?? ''}"); is this the right seal key?`,
      );
    }
    try {
      await this.barrier.unseal(rootKey);
    } finally {
      rootKey.fill(0);
    }
    this.clearShares();
  }

  /** The root key, or undefined when `key` does not decrypt it. */
  private async decryptRootKey(key: Buffer): Promise<Buffer | undefined> {
    const raw = await this.physical.get(ROOT_KEY_PATH);
    if (raw === undefined) throw internalError('seal: the encrypted root key is missing from storage');
    try {
      const rootKey = decrypt((term) => (term === ROOT_TERM ? key : undefined), raw, ROOT_KEY_PATH);
      if (rootKey.length === KEY_SIZE) return rootKey;
      rootKey.fill(0);
      return undefined;
    } catch (e) {
      if (e instanceof CiphertextError) return undefined;
      throw e;
    }
  }

  private async readConfig(): Promise<StoredSealConfig | null> {
    if (this.config !== null) return this.config;
    const raw = await this.physical.get(SEAL_CONFIG_PATH);
    if (raw === undefined) return null;
    this.config = parseConfig(raw);
    return this.config;
  }

  private async requireConfig(): Promise<StoredSealConfig> {
    const cfg = await this.readConfig();
    if (cfg === null) throw badRequest('Vault is not initialized');
    return cfg;
  }

  private clearShares(): void {
    wipeAll(this.shares);
    this.shares = [];
    this.nonce = '';
  }

  /** Runs `fn` after every earlier serialised call settled (init/unseal never interleave). */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
