/**
 * How the expiration manager reaches an engine's secret handlers, and the small concurrency
 * helpers the worker uses.
 */
import type { LeaseInfo, SecretType, StorageView } from '../../framework/types.ts';
import { isKeepError, noRoute } from '../../errors.ts';
import type { StoredLease } from './records.ts';

/** What a resolver returns for a lease path; the mount TTLs are optional extras. */
export interface ResolvedSecret {
  secretType: SecretType;
  storage: StorageView;
  /** Current effective mount TTLs (used on renew); the values stored at issue otherwise. */
  mountDefaultTTL?: number;
  mountMaxTTL?: number;
}

/**
 * Compatible with the contract's SecretResolver; the second argument (the `SecretSpec.type` the
 * lease was issued with) lets core pick the right type when an engine declares several.
 */
export interface LeaseResolver {
  resolve(path: string, secretType?: string): ResolvedSecret | undefined;
}

/** Error codes that retrying cannot fix: the lease becomes irrevocable at once. */
const UNRECOVERABLE = new Set(['KEEP_E_UNSUPPORTED_PATH', 'KEEP_E_UNSUPPORTED_OPERATION', 'KEEP_E_NO_ROUTE', 'KEEP_E_INVALID_REQUEST']);

export function isUnrecoverable(e: unknown): boolean {
  return isKeepError(e) && UNRECOVERABLE.has(e.code);
}

export function errorText(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}

export function leaseInfo(rec: StoredLease): LeaseInfo {
  return {
    leaseId: rec.leaseId,
    path: rec.path,
    internalData: rec.internalData ?? {},
    issueTime: rec.issueTime,
    expireTime: rec.expireTime,
  };
}

export function resolveOrThrow(resolver: LeaseResolver, rec: StoredLease): ResolvedSecret {
  const r = resolver.resolve(rec.path, rec.secretType);
  if (!r) throw noRoute(rec.path);
  return r;
}

/** Rejects when `p` has not settled within `ms` (the engine call itself is not cancelled). */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  if (!(ms > 0) || !Number.isFinite(ms)) return p;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${Math.round(ms / 1000)}s`)), ms);
    timer.unref();
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** Runs `fn` over `items` with at most `limit` calls in flight; results keep the input order. */
export async function mapPool<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const workers: Promise<void>[] = [];
  const n = Math.max(1, Math.min(limit, items.length));
  for (let w = 0; w < n; w++) {
    workers.push(
      (async () => {
        while (next < items.length) {
          const i = next++;
          out[i] = await fn(items[i]);
        }
      })(),
    );
  }
  await Promise.all(workers);
  return out;
}
