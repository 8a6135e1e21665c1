/**
 * Storage layout of the expiration manager (a view at `sys/expire/`):
 *
 *   id/<lease id>                          the lease record (StoredLease)
 *   at/<ms, 15 digits>/<escaped id>        the time index: what is due when (IndexValue)
 *   token/<token hash>/<escaped lease id>  leases owned by a token
 *   irrevocable/<escaped lease id>         leases whose revocation gave up
 *   tokexp/<token hash>                    a token's expiry (TokenExpiry); its index id is
 *                                          `auth-token/<token hash>`
 *
 * Index keys sort by time, so the worker finds due work with one ordered scan from the start of
 * `at/` and stops at the first key in the future: nothing is held in memory between scans.
 * A record and its index entries are always written and removed in one transaction.
 */
import type { LeaseRecord } from '../contracts.ts';
import type { ViewTxOp } from '../../framework/types.ts';

/** A lease record as stored: the contract's record plus what the manager needs on its own. */
export interface StoredLease extends LeaseRecord {
  /** Unix ms of the time-index entry: the expiry, or the next retry after a failed revocation. */
  dueTime: number;
  /** Mount TTLs at issue, used on renew when the resolver does not report current ones. */
  mountDefaultTTL: number;
  mountMaxTTL: number;
}

/** A token's place in the time index. */
export interface TokenExpiry {
  hash: string;
  expireTime: number;
  dueTime: number;
  attempts: number;
  lastError?: string;
}

export interface IndexValue {
  kind: 'lease' | 'token';
  /** Lease id, or token hash for kind 'token'. */
  id: string;
}

export const TOKEN_INDEX_PREFIX = 'auth-token/';
const MS_DIGITS = 15;
const MAX_MS = 10 ** MS_DIGITS - 1;

/** Makes an id one key segment: '%' and '/' are percent-escaped. */
export function escapeId(id: string): string {
  return id.replace(/%/g, '%25').replace(/\//g, '%2F');
}

export function unescapeId(segment: string): string {
  return segment.replace(/%2F/g, '/').replace(/%25/g, '%');
}

export function padMs(ms: number): string {
  const v = Number.isFinite(ms) ? Math.min(Math.max(Math.floor(ms), 0), MAX_MS) : 0;
  return String(v).padStart(MS_DIGITS, '0');
}

export const leaseKey = (leaseId: string): string => `id/${leaseId}`;
export const dueKey = (ms: number, indexId: string): string => `at/${padMs(ms)}/${escapeId(indexId)}`;
export const ownerPrefix = (tokenHash: string): string => `token/${tokenHash}/`;
export const ownerKey = (tokenHash: string, leaseId: string): string => `${ownerPrefix(tokenHash)}${escapeId(leaseId)}`;
export const irrevocableKey = (leaseId: string): string => `irrevocable/${escapeId(leaseId)}`;
export const tokenExpiryKey = (tokenHash: string): string => `tokexp/${tokenHash}`;
export const tokenIndexId = (tokenHash: string): string => `${TOKEN_INDEX_PREFIX}${tokenHash}`;

/** Splits `at/<ms>/<escaped id>`; undefined for anything else. */
export function parseDueKey(key: string): { ms: number; indexId: string } | undefined {
  if (!key.startsWith('at/')) return undefined;
  const slash = key.indexOf('/', 3);
  if (slash !== 3 + MS_DIGITS) return undefined;
  const digits = key.slice(3, slash);
  if (!/^[0-9]+$/.test(digits)) return undefined;
  return { ms: Number(digits), indexId: unescapeId(key.slice(slash + 1)) };
}

const decoder = new TextDecoder();

export function decodeJSON<T>(bytes: Uint8Array): T | undefined {
  try {
    return JSON.parse(decoder.decode(bytes)) as T;
  } catch {
    return undefined;
  }
}

export function isIrrevocable(rec: LeaseRecord): boolean {
  return typeof rec.revokeError === 'string' && rec.revokeError !== '';
}

/** Operations that write a lease with its index entries (a new lease). */
export function putLeaseOps(rec: StoredLease): ViewTxOp[] {
  const ops: ViewTxOp[] = [
    { op: 'put', key: leaseKey(rec.leaseId), value: { json: rec } },
    { op: 'put', key: dueKey(rec.dueTime, rec.leaseId), value: { json: { kind: 'lease', id: rec.leaseId } satisfies IndexValue } },
  ];
  if (rec.tokenHash) ops.push({ op: 'put', key: ownerKey(rec.tokenHash, rec.leaseId), value: { json: { id: rec.leaseId } } });
  return ops;
}

/** Operations that move a lease in the time index (old entry out, record and new entry in). */
export function rescheduleOps(old: StoredLease, next: StoredLease): ViewTxOp[] {
  const ops: ViewTxOp[] = [];
  if (isIrrevocable(old)) ops.push({ op: 'delete', key: irrevocableKey(old.leaseId) });
  else if (old.dueTime !== next.dueTime) ops.push({ op: 'delete', key: dueKey(old.dueTime, old.leaseId) });
  ops.push({ op: 'put', key: leaseKey(next.leaseId), value: { json: next } });
  ops.push({ op: 'put', key: dueKey(next.dueTime, next.leaseId), value: { json: { kind: 'lease', id: next.leaseId } satisfies IndexValue } });
  return ops;
}

/** Operations that turn a lease irrevocable: out of the time index, into the irrevocable one. */
export function irrevocableOps(old: StoredLease, next: StoredLease): ViewTxOp[] {
  return [
    { op: 'delete', key: dueKey(old.dueTime, old.leaseId) },
    { op: 'put', key: leaseKey(next.leaseId), value: { json: next } },
    { op: 'put', key: irrevocableKey(next.leaseId), value: { json: { id: next.leaseId } } },
  ];
}

/** Operations that remove a lease and every index entry that may point at it. */
export function deleteLeaseOps(rec: StoredLease): ViewTxOp[] {
  const ops: ViewTxOp[] = [
    { op: 'delete', key: leaseKey(rec.leaseId) },
    { op: 'delete', key: dueKey(rec.dueTime, rec.leaseId) },
  ];
  if (rec.tokenHash) ops.push({ op: 'delete', key: ownerKey(rec.tokenHash, rec.leaseId) });
  if (isIrrevocable(rec)) ops.push({ op: 'delete', key: irrevocableKey(rec.leaseId) });
  return ops;
}

/** Go-style `revoke_error`: at most 240 characters. */
export function clipRevokeError(message: string): string {
  return message.length > 240 ? message.slice(0, 240) : message;
}
