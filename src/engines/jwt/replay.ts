/**
 * Single-use job tokens (`jti_single_use`, a Keep extension): a token logs in once; a second
 * login before its expiry is a replay.
 *
 * Storage (a view of the mount's storage, e.g. `storage.sub('replay/')`):
 * - `<sha256 hex of the replay key>` -> {"exp": <seconds>}: the token was seen; it counts until
 *   exp (an expired record counts as absent and is overwritten);
 * - `at/<exp, 12 zero-padded digits>/<hash>` -> {}: an index in expiry order, so `prune` reads
 *   only what is due and never scans unexpired records.
 * The record and its index entry are written in one transaction, awaited before `consume`
 * answers true, so a restart (or a new guard over the same storage) still sees every token that
 * logged in. Keys are hashes: the view's keys are not encrypted and a jti is nobody's business.
 *
 * Atomicity: per key within this process (a keyed mutex around read-check-write). Two Keep nodes
 * sharing one database could both accept the same token in the same instant; the physical
 * contract has no compare-and-set to prevent it.
 *
 * Leeway: the JWT method accepts a token for a while past its `exp` (expiration and clock-skew
 * leeways), so a record is kept GRACE_SECONDS past the `exp` given (Vault's default leeways are
 * 150 s + 60 s). Callers with larger leeways should pass exp plus their leeways.
 */
import { createHash } from 'node:crypto';
import type { StorageView } from '../../framework/types.ts';

export const GRACE_SECONDS = 300;
const INDEX = 'at/';
const EXP_DIGITS = 12;
const MAX_EXP = 10 ** EXP_DIGITS - 1;
const PAGE = 256;

interface ReplayRecord {
  exp: number;
}

function sha256Hex(s: string): string {
  return createHash('sha256').update(s, 'utf8').digest('hex');
}

function padExp(exp: number): string {
  return String(exp).padStart(EXP_DIGITS, '0');
}

function indexKey(exp: number, hash: string): string {
  return `${INDEX}${padExp(exp)}/${hash}`;
}

/** Seconds as a whole number within the index's range. */
function clampExp(s: number): number {
  if (!Number.isFinite(s)) return s > 0 ? MAX_EXP : 0;
  return Math.min(MAX_EXP, Math.max(0, Math.ceil(s)));
}

export class ReplayGuard {
  /** Tail of the queue of operations per hash (keyed mutex). */
  private readonly locks = new Map<string, Promise<void>>();

  /**
   * @param view storage of the guard only (a sub-view of the JWT mount's storage)
   * @param now current time in Unix seconds (may be fractional)
   */
  constructor(
    private readonly view: StorageView,
    private readonly now: () => number = () => Date.now() / 1000,
    private readonly graceSeconds: number = GRACE_SECONDS,
  ) {}

  /**
   * Records the key until expSeconds (plus the grace); false if it was already recorded and not
   * yet expired (a replay). Atomic per key within the process; durable before it returns true.
   */
  consume(key: string, expSeconds: number): Promise<boolean> {
    const hash = sha256Hex(key);
    return this.withLock(hash, async () => {
      const now = this.now();
      const old = await this.view.getJSON<ReplayRecord>(hash);
      if (old && typeof old.exp === 'number' && old.exp > now) return false;
      const exp = clampExp(Math.max(expSeconds, now) + this.graceSeconds);
      const ops: Parameters<StorageView['transaction']>[0] = [
        { op: 'put', key: hash, value: { json: { exp } satisfies ReplayRecord } },
        { op: 'put', key: indexKey(exp, hash), value: { json: {} } },
      ];
      if (old && typeof old.exp === 'number' && clampExp(old.exp) !== exp) {
        ops.push({ op: 'delete', key: indexKey(clampExp(old.exp), hash) });
      }
      await this.view.transaction(ops);
      return true;
    });
  }

  /**
   * Deletes expired records, oldest first, reading the expiry index page by page and stopping at
   * the first entry not yet due. Returns how many records it deleted (at most `limit`).
   */
  async prune(limit = 1000): Promise<number> {
    let deleted = 0;
    let examined = 0;
    let after: string | undefined;
    const now = this.now();
    while (examined < limit) {
      const want = Math.min(PAGE, limit - examined);
      const page = await this.view.scan(INDEX, { after, limit: want });
      for (const entry of page) {
        examined++;
        const m = /^at\/(\d+)\/([0-9a-f]{64})$/.exec(entry.key);
        if (!m) {
          await this.view.delete(entry.key); // unreadable index entry
          continue;
        }
        const exp = Number(m[1]);
        if (exp > now) return deleted; // everything after this one is due later
        if (await this.pruneOne(m[2], exp, entry.key)) deleted++;
      }
      if (page.length < want) break;
      after = page[page.length - 1].key;
    }
    return deleted;
  }

  /** Deletes one due record and its index entry; a stale index entry (no record, or a record
   *  re-consumed with another exp) is deleted alone. */
  private pruneOne(hash: string, exp: number, index: string): Promise<boolean> {
    return this.withLock(hash, async () => {
      const rec = await this.view.getJSON<ReplayRecord>(hash);
      if (rec && typeof rec.exp === 'number' && clampExp(rec.exp) === exp) {
        await this.view.transaction([
          { op: 'delete', key: hash },
          { op: 'delete', key: index },
        ]);
        return true;
      }
      await this.view.delete(index);
      return false;
    });
  }

  private async withLock<T>(hash: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(hash) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    this.locks.set(hash, tail);
    await previous;
    try {
      return await fn();
    } finally {
      release();
      if (this.locks.get(hash) === tail) this.locks.delete(hash);
    }
  }
}

/** The replay key of a token: `jti:<iss>:<jti>` when jti is present, else `sha256:<hex of the compact token>`. */
export function replayKey(claims: Record<string, unknown>, compactToken: string): string {
  const jti = claims?.jti;
  if (typeof jti === 'string' && jti !== '') {
    const iss = typeof claims.iss === 'string' ? claims.iss : '';
    return `jti:${iss}:${jti}`;
  }
  return `sha256:${sha256Hex(compactToken)}`;
}
