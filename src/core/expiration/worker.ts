/**
 * The expiry worker's pass: scan the time index from its start up to `now`, in pages, and revoke
 * what is due. Each page is one batch: lease revocations run with bounded concurrency and their
 * outcomes (records and index entries removed, retries rescheduled, irrevocable marks) are
 * committed in one transaction. Token expiries run after the batch's lease locks are released,
 * because revoking a token re-enters the manager (revokeByToken) for the leases it owns.
 */
import type { Logger, StorageView, ViewTxOp } from '../../framework/types.ts';
import type { KeyedLock } from './lock.ts';
import { errorText, isUnrecoverable, mapPool } from './engine.ts';
import {
  clipRevokeError,
  decodeJSON,
  deleteLeaseOps,
  dueKey,
  irrevocableOps,
  isIrrevocable,
  leaseKey,
  parseDueKey,
  rescheduleOps,
  tokenExpiryKey,
  tokenIndexId,
} from './records.ts';
import type { IndexValue, StoredLease, TokenExpiry } from './records.ts';

export interface WorkerDeps {
  view: StorageView;
  locks: KeyedLock;
  logger: Logger;
  now: () => number;
  random: () => number;
  /** Engine revoke of one lease (with its time limit); throws on failure. */
  revokeLease(rec: StoredLease): Promise<void>;
  revokeToken(tokenHash: string): Promise<void>;
  batchSize: number;
  concurrency: number;
  /** Failed attempts after which a lease becomes irrevocable (6). */
  maxAttempts: number;
  shouldStop(): boolean;
}

/** Delay before retry number `attempt` (1-based): 2^attempt x 10 s, jittered uniformly by +-50 %. */
export function backoffMs(attempt: number, random: () => number): number {
  return 2 ** attempt * 10_000 * (0.5 + random());
}

interface Outcome {
  ops: ViewTxOp[];
  revoked: boolean;
}

interface DueItem {
  key: string;
  ms: number;
  id: string;
}

export class ExpiryWorker {
  constructor(private readonly d: WorkerDeps) {}

  /** Handles every index entry due at `now`; returns how many leases and tokens were revoked. */
  async runPass(now: number): Promise<number> {
    const { view, batchSize } = this.d;
    // Peek at the earliest entry: when nothing is due, a pass costs one single-entry scan.
    const first = await view.scan('at/', { limit: 1 });
    if (first.length === 0 || !isDue(first[0].key, now)) return 0;

    let after: string | undefined;
    let revoked = 0;
    while (!this.d.shouldStop()) {
      const page = await view.scan('at/', after === undefined ? { limit: batchSize } : { after, limit: batchSize });
      let end = page.length < batchSize;
      const due = [];
      for (const e of page) {
        if (!isDue(e.key, now)) {
          end = true;
          break;
        }
        due.push(e);
      }
      if (due.length === 0) break;
      after = due[due.length - 1].key;
      revoked += await this.processBatch(due);
      if (end) break;
    }
    return revoked;
  }

  private async processBatch(entries: Array<{ key: string; value: Uint8Array }>): Promise<number> {
    const leases: DueItem[] = [];
    const tokens: DueItem[] = [];
    const ops: ViewTxOp[] = [];
    for (const e of entries) {
      const parsed = parseDueKey(e.key);
      const v = decodeJSON<IndexValue>(e.value);
      if (!parsed || !v || typeof v.id !== 'string') {
        ops.push({ op: 'delete', key: e.key });
        continue;
      }
      (v.kind === 'token' ? tokens : leases).push({ key: e.key, ms: parsed.ms, id: v.id });
    }

    let revoked = 0;
    const releases: Array<() => void> = [];
    try {
      // A lease under a user operation (renew, sync revoke) is left for the next pass.
      const held = leases.filter((it) => {
        const release = this.d.locks.tryAcquire(it.id);
        if (release) releases.push(release);
        return release !== undefined;
      });
      const outcomes = await mapPool(held, this.d.concurrency, (it) => this.revokeLease(it));
      for (const o of outcomes) {
        for (const op of o.ops) ops.push(op);
        if (o.revoked) revoked++;
      }
      if (ops.length > 0) await this.d.view.transaction(ops);
    } catch (e) {
      // Engine revocations done in this batch are repeated on the next pass (they are idempotent).
      this.d.logger.error('expiration: failed to commit a revocation batch', { error: errorText(e) });
      revoked = 0;
    } finally {
      for (const release of releases) release();
    }

    if (tokens.length > 0) revoked += await this.processTokens(tokens);
    return revoked;
  }

  private async revokeLease(it: DueItem): Promise<Outcome> {
    const rec = await this.d.view.getJSON<StoredLease>(leaseKey(it.id));
    // Dangling or stale index entry (record gone, moved, or irrevocable): drop the entry only.
    if (!rec || isIrrevocable(rec) || rec.dueTime !== it.ms) return { ops: [{ op: 'delete', key: it.key }], revoked: false };
    try {
      await this.d.revokeLease(rec);
      return { ops: deleteLeaseOps(rec), revoked: true };
    } catch (e) {
      const attempts = (rec.revokeAttempts ?? 0) + 1;
      const message = `failed to revoke entry: ${errorText(e)}`;
      const unrecoverable = isUnrecoverable(e);
      if (unrecoverable || attempts >= this.d.maxAttempts) {
        const revokeError = clipRevokeError(unrecoverable ? message : `out of retries: ${message}`);
        this.d.logger.error('expiration: lease marked irrevocable', { lease_id: rec.leaseId, attempts, error: revokeError });
        return { ops: irrevocableOps(rec, { ...rec, revokeAttempts: attempts, revokeError }), revoked: false };
      }
      const dueTime = Math.floor(this.d.now() + backoffMs(attempts, this.d.random));
      this.d.logger.warn('expiration: lease revocation failed, will retry', { lease_id: rec.leaseId, attempt: attempts, error: message });
      return { ops: rescheduleOps(rec, { ...rec, revokeAttempts: attempts, dueTime }), revoked: false };
    }
  }

  private async processTokens(items: DueItem[]): Promise<number> {
    try {
      const outcomes = await mapPool(items, this.d.concurrency, (it) => this.revokeToken(it));
      const ops: ViewTxOp[] = [];
      let revoked = 0;
      for (const o of outcomes) {
        for (const op of o.ops) ops.push(op);
        if (o.revoked) revoked++;
      }
      if (ops.length > 0) await this.d.view.transaction(ops);
      return revoked;
    } catch (e) {
      this.d.logger.error('expiration: failed to commit token expiries', { error: errorText(e) });
      return 0;
    }
  }

  private async revokeToken(it: DueItem): Promise<Outcome> {
    const hash = it.id;
    const rec = await this.d.view.getJSON<TokenExpiry>(tokenExpiryKey(hash));
    if (!rec || rec.dueTime !== it.ms) return { ops: [{ op: 'delete', key: it.key }], revoked: false };
    try {
      await this.d.revokeToken(hash);
      return {
        ops: [
          { op: 'delete', key: it.key },
          { op: 'delete', key: tokenExpiryKey(hash) },
        ],
        revoked: true,
      };
    } catch (e) {
      // Tokens are never given up on: retry with the backoff, capped at its sixth step.
      const attempts = rec.attempts + 1;
      const dueTime = Math.floor(this.d.now() + backoffMs(Math.min(attempts, this.d.maxAttempts), this.d.random));
      const next: TokenExpiry = { ...rec, attempts, dueTime, lastError: clipRevokeError(errorText(e)) };
      this.d.logger.warn('expiration: token revocation failed, will retry', { attempt: attempts, error: next.lastError });
      return {
        ops: [
          { op: 'delete', key: it.key },
          { op: 'put', key: tokenExpiryKey(hash), value: { json: next } },
          { op: 'put', key: dueKey(dueTime, tokenIndexId(hash)), value: { json: { kind: 'token', id: hash } satisfies IndexValue } },
        ],
        revoked: false,
      };
    }
  }
}

function isDue(key: string, now: number): boolean {
  const parsed = parseDueKey(key);
  // An unparseable key sorts somewhere in the index; treat it as due so that it gets removed.
  return parsed === undefined || parsed.ms <= now;
}
