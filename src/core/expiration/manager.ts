/**
 * The expiration manager (spec/dynamic.md 1): durable leases found by time. Nothing is loaded at
 * start: the worker scans the time index (records.ts) from its start up to now, so a million
 * leases that are not due cost neither memory nor start-up time.
 */
import { randomInt } from 'node:crypto';
import type { ExpirationApi, LeaseLookup, TokenEntry } from '../contracts.ts';
import type { Logger, SecretSpec, StorageView, ViewTxOp } from '../../framework/types.ts';
import { badRequest, internalError, noRoute } from '../../errors.ts';
import { calcTTL } from '../ttl.ts';
import { KeyedLock } from './lock.ts';
import { errorText, leaseInfo, mapPool, resolveOrThrow, withTimeout } from './engine.ts';
import type { LeaseResolver } from './engine.ts';
import { ExpiryWorker } from './worker.ts';
import { WorkerLoop } from './loop.ts';
import { placeToken, removeToken } from './token-index.ts';
import { forEachPage, irrevocableLeases, tidy } from './maintenance.ts';
import { rfc3339Nano } from '../../framework/time.ts';
import {
  decodeJSON,
  deleteLeaseOps,
  isIrrevocable,
  leaseKey,
  ownerPrefix,
  putLeaseOps,
  rescheduleOps,
  tokenIndexId,
} from './records.ts';
import type { StoredLease } from './records.ts';

export type { LeaseResolver, ResolvedSecret } from './engine.ts';

export interface ExpirationOptions {
  /** The `sys/expire/` view. */
  view: StorageView;
  resolver: LeaseResolver;
  /** The token store's revokeTree (a due token expiry). */
  revokeToken: (tokenHash: string) => Promise<void>;
  logger: Logger;
  now?: () => number;
  /** Pause between worker passes (default 1000 ms). */
  workerIntervalMs?: number;
  /** Index entries per batch (default 1000). */
  batchSize?: number;
  /** Used by tidy to find leases whose owning token is gone. */
  tokenExists?: (tokenHash: string) => Promise<boolean>;
  /** Engine revocations in flight per batch (default 200). */
  concurrency?: number;
  /** Time limit of one engine revocation (default 90 s). */
  revokeTimeoutMs?: number;
  /** Failed attempts before a lease is irrevocable (default 6). */
  maxRevokeAttempts?: number;
  /** Jitter source in [0, 1) (tests). */
  random?: () => number;
}

const ID_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** 24 random characters of [A-Za-z0-9]. */
export function randomLeaseSuffix(length = 24): string {
  let s = '';
  for (let i = 0; i < length; i++) s += ID_CHARS[randomInt(ID_CHARS.length)];
  return s;
}

export class ExpirationManager implements ExpirationApi {
  private readonly view: StorageView;
  private readonly resolver: LeaseResolver;
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly revokeTimeoutMs: number;
  private readonly tokenExists?: (tokenHash: string) => Promise<boolean>;
  private readonly locks = new KeyedLock();
  private readonly worker: ExpiryWorker;
  private readonly loop: WorkerLoop;
  private tidying: Promise<void> | undefined;

  constructor(o: ExpirationOptions) {
    this.view = o.view;
    this.resolver = o.resolver;
    this.logger = o.logger;
    this.now = o.now ?? Date.now;
    this.revokeTimeoutMs = o.revokeTimeoutMs ?? 90_000;
    this.tokenExists = o.tokenExists;
    this.loop = new WorkerLoop({ intervalMs: o.workerIntervalMs ?? 1000, pass: () => this.worker.runPass(this.now()), logger: o.logger });
    this.worker = new ExpiryWorker({
      view: o.view,
      locks: this.locks,
      logger: o.logger,
      now: this.now,
      random: o.random ?? Math.random,
      revokeLease: (rec) => this.engineRevoke(rec),
      revokeToken: o.revokeToken,
      batchSize: Math.max(1, o.batchSize ?? 1000),
      concurrency: Math.max(1, o.concurrency ?? 200),
      maxAttempts: Math.max(1, o.maxRevokeAttempts ?? 6),
      shouldStop: () => this.loop.stopping,
    });
  }

  // -------------------------------------------------------------------------------------------
  // Leases

  async registerSecret(input: {
    path: string;
    tokenHash: string;
    secret: SecretSpec;
    data: Record<string, unknown>;
    mountAccessor: string;
    mountDefaultTTL: number;
    mountMaxTTL: number;
  }): Promise<{ leaseId: string; ttl: number; warnings: string[] }> {
    const now = this.now();
    const s = input.secret;
    const { ttl, warnings } = calcTTL({
      increment: 0,
      backendTTL: s.ttl,
      period: 0,
      backendMaxTTL: s.maxTTL,
      explicitMaxTTL: 0,
      startMs: now,
      mountDefaultTTL: input.mountDefaultTTL,
      mountMaxTTL: input.mountMaxTTL,
      nowMs: now,
    });
    const expireTime = now + ttl * 1000;
    const rec: StoredLease = {
      leaseId: `${input.path.replace(/\/+$/, '')}/${randomLeaseSuffix()}`,
      path: input.path,
      tokenHash: input.tokenHash,
      secretType: s.type,
      data: input.data,
      internalData: s.internalData,
      ttl: s.ttl,
      maxTTL: s.maxTTL,
      renewable: s.renewable,
      issueTime: now,
      expireTime,
      lastRenewalTime: 0,
      mountAccessor: input.mountAccessor,
      dueTime: expireTime,
      mountDefaultTTL: input.mountDefaultTTL,
      mountMaxTTL: input.mountMaxTTL,
    };
    try {
      await this.view.transaction(putLeaseOps(rec));
    } catch (e) {
      // Never hand out a credential nobody tracks: take it back, then fail the request.
      this.logger.error('expiration: failed to persist a lease; revoking the credential', { path: input.path, error: errorText(e) });
      try {
        await this.engineRevoke(rec);
      } catch (e2) {
        this.logger.error('expiration: revoking an unpersisted credential failed', { path: input.path, error: errorText(e2) });
      }
      throw internalError();
    }
    return { leaseId: rec.leaseId, ttl, warnings };
  }

  async lookup(leaseId: string): Promise<LeaseLookup | undefined> {
    const rec = await this.load(leaseId);
    if (!rec) return undefined;
    const now = this.now();
    const irrevocable = isIrrevocable(rec);
    // Like Vault: whole seconds from now rounded to the second, never negative.
    const ttl = rec.expireTime ? Math.max(0, Math.trunc((rec.expireTime - Math.round(now / 1000) * 1000) / 1000)) : 0;
    const out: LeaseLookup = {
      id: rec.leaseId,
      issue_time: rfc3339Nano(rec.issueTime),
      expire_time: rec.expireTime ? rfc3339Nano(rec.expireTime) : null,
      last_renewal: rec.lastRenewalTime ? rfc3339Nano(rec.lastRenewalTime) : null,
      renewable: rec.renewable && !irrevocable && rec.expireTime > now,
      ttl,
    };
    if (irrevocable) out.revoke_error = rec.revokeError;
    return out;
  }

  async renew(leaseId: string, increment: number): Promise<{ leaseId: string; ttl: number; renewable: boolean; warnings: string[] }> {
    return this.locks.run(leaseId, async () => {
      const rec = await this.load(leaseId);
      if (!rec) throw badRequest('lease not found');
      if (isIrrevocable(rec)) throw badRequest('lease is expired and has failed previous revocation attempts');
      if (rec.expireTime === 0) throw badRequest('lease is not renewable');
      if (rec.expireTime < this.now()) throw badRequest('lease expired');
      if (!rec.renewable) throw badRequest('lease is not renewable');

      const resolved = this.resolver.resolve(rec.path, rec.secretType);
      let engine: { ttl?: number; maxTTL?: number } | void = undefined;
      try {
        if (!resolved) throw noRoute(rec.path);
        if (resolved.secretType.renew) engine = await resolved.secretType.renew({ ...leaseInfo(rec), increment }, resolved.storage);
      } catch (e) {
        throw badRequest(`failed to renew entry: ${errorText(e)}`);
      }
      const backendTTL = engine?.ttl ?? rec.ttl;
      const backendMaxTTL = engine?.maxTTL ?? rec.maxTTL;
      const now = this.now();
      const { ttl, warnings } = calcTTL({
        increment: Math.max(0, increment),
        backendTTL,
        period: 0,
        backendMaxTTL,
        explicitMaxTTL: 0,
        startMs: rec.issueTime,
        mountDefaultTTL: resolved?.mountDefaultTTL ?? rec.mountDefaultTTL,
        mountMaxTTL: resolved?.mountMaxTTL ?? rec.mountMaxTTL,
        nowMs: now,
      });
      const expireTime = now + ttl * 1000;
      const next: StoredLease = { ...rec, ttl: backendTTL, maxTTL: backendMaxTTL, expireTime, dueTime: expireTime, lastRenewalTime: now };
      await this.view.transaction(rescheduleOps(rec, next));
      return { leaseId, ttl, renewable: rec.renewable, warnings };
    });
  }

  async revoke(leaseId: string, sync: boolean): Promise<void> {
    if (sync) {
      await this.revokeNow(leaseId, false);
      return;
    }
    await this.markDueNow(leaseId, true);
    this.kick();
  }

  async revokePrefix(prefix: string, opts: { sync: boolean; force: boolean }): Promise<void> {
    let p = prefix;
    if (p !== '' && !p.endsWith('/')) {
      // A full lease id revokes just that lease; otherwise the prefix is a folder.
      if (await this.load(p)) {
        if (opts.force) await this.revokeNow(p, true);
        else await this.revoke(p, opts.sync);
        return;
      }
      p += '/';
    }
    const sync = opts.sync || opts.force;
    await forEachPage(this.view, leaseKey(p), async (page) => {
      for (const e of page) {
        const id = e.key.slice('id/'.length);
        if (sync) await this.revokeNow(id, opts.force);
        else await this.markDueNow(id, true);
      }
    });
    if (!sync) this.kick();
  }

  async revokeByToken(tokenHash: string): Promise<void> {
    if (!tokenHash) return;
    // Vault's rule: the token's leases are marked expiring now and revoked by the worker.
    await forEachPage(this.view, ownerPrefix(tokenHash), async (page) => {
      const dangling: ViewTxOp[] = [];
      await mapPool(page, 16, async (e) => {
        const v = decodeJSON<{ id: string }>(e.value);
        const found = v && typeof v.id === 'string' ? await this.markDueNow(v.id, false) : false;
        if (!found) dangling.push({ op: 'delete', key: e.key });
      });
      if (dangling.length > 0) await this.view.transaction(dangling);
    });
    this.kick();
  }

  async listPrefix(prefix: string): Promise<string[]> {
    const p = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
    return this.view.list(leaseKey(p));
  }

  // -------------------------------------------------------------------------------------------
  // Tokens in the time index

  async registerToken(entry: TokenEntry): Promise<void> {
    if (!entry.hash || entry.type === 'batch') return;
    if (!entry.expireTime) return this.unregisterToken(entry);
    await this.locks.run(tokenIndexId(entry.hash), () => placeToken(this.view, entry.hash, entry.expireTime));
  }

  async unregisterToken(entry: TokenEntry): Promise<void> {
    if (!entry.hash) return;
    await this.locks.run(tokenIndexId(entry.hash), () => removeToken(this.view, entry.hash));
  }

  // -------------------------------------------------------------------------------------------
  // Maintenance

  tidy(): Promise<void> {
    // At most one tidy at a time: a second call joins the running one.
    if (!this.tidying) {
      this.tidying = tidy({
        view: this.view,
        logger: this.logger,
        load: (id) => this.load(id),
        forceRevoke: (id) => this.revokeNow(id, true),
        tokenExists: this.tokenExists,
      })
        // Tidy runs in the background (202): it reports by log, never by a rejected promise.
        .then(
          (r) => this.logger.info('expiration: tidy finished', r),
          (e: unknown) => this.logger.error('expiration: tidy failed', { error: errorText(e) }),
        )
        .finally(() => {
          this.tidying = undefined;
        });
    }
    return this.tidying;
  }

  async countIrrevocable(): Promise<{ lease_count: number; counts: Record<string, number> }> {
    const leases = await irrevocableLeases({ view: this.view, load: (id) => this.load(id) });
    const counts: Record<string, number> = {};
    for (const l of leases) counts[l.mountAccessor] = (counts[l.mountAccessor] ?? 0) + 1;
    return { lease_count: leases.length, counts };
  }

  /** `limit` <= 0 means no limit. */
  async listIrrevocable(limit: number): Promise<{ leases: Array<{ lease_id: string; mount_id: string; error: string }>; truncated: boolean }> {
    const all = await irrevocableLeases({ view: this.view, load: (id) => this.load(id) });
    const kept = limit > 0 ? all.slice(0, limit) : all;
    return {
      leases: kept.map((l) => ({ lease_id: l.leaseId, mount_id: l.mountAccessor, error: l.revokeError ?? '' })),
      truncated: kept.length < all.length,
    };
  }

  // -------------------------------------------------------------------------------------------
  // Worker

  /** Starts the background worker (a first pass at once, then every interval). */
  start(): void {
    this.loop.start();
  }

  /** Stops the worker; waits for the batch in flight. */
  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** Revokes what is due now; returns how many leases and tokens were revoked. */
  runOnce(): Promise<number> {
    return this.loop.runOnce();
  }

  private kick(): void {
    this.loop.kick();
  }

  // -------------------------------------------------------------------------------------------
  // Internals

  private async load(leaseId: string): Promise<StoredLease | undefined> {
    if (leaseId === '') return undefined;
    return this.view.getJSON<StoredLease>(leaseKey(leaseId));
  }

  private async engineRevoke(rec: StoredLease): Promise<void> {
    const r = resolveOrThrow(this.resolver, rec);
    await withTimeout(r.secretType.revoke(leaseInfo(rec), r.storage), this.revokeTimeoutMs, 'lease revocation');
  }

  /** Engine revoke now, then delete; with `force`, engine errors are logged and ignored. */
  private async revokeNow(leaseId: string, force: boolean): Promise<void> {
    await this.locks.run(leaseId, async () => {
      const rec = await this.load(leaseId);
      if (!rec) return;
      try {
        await this.engineRevoke(rec);
      } catch (e) {
        if (!force) throw badRequest(`failed to revoke entry: ${errorText(e)}`);
        this.logger.warn('expiration: forced revocation ignored an engine error', { lease_id: leaseId, error: errorText(e) });
      }
      await this.view.transaction(deleteLeaseOps(rec));
    });
  }

  /**
   * Marks a lease expiring now so the worker revokes it. An irrevocable lease is queued again
   * only when asked (a user's revoke), not by token revocation. False when there is no lease.
   */
  private async markDueNow(leaseId: string, requeueIrrevocable: boolean): Promise<boolean> {
    return this.locks.run(leaseId, async () => {
      const rec = await this.load(leaseId);
      if (!rec) return false;
      const now = this.now();
      let next: StoredLease;
      if (isIrrevocable(rec)) {
        if (!requeueIrrevocable) return true;
        next = { ...rec, revokeAttempts: 0, expireTime: Math.min(rec.expireTime, now), dueTime: now };
        delete next.revokeError;
      } else {
        if (rec.dueTime <= now) return true;
        next = { ...rec, expireTime: Math.min(rec.expireTime, now), dueTime: now };
      }
      await this.view.transaction(rescheduleOps(rec, next));
      return true;
    });
  }
}
