/**
 * Tokens in the time index: `tokexp/<hash>` holds the expiry, `at/<ms>/auth-token%2F<hash>` makes
 * the worker find it. Callers hold the token's lock.
 */
import type { StorageView, ViewTxOp } from '../../framework/types.ts';
import { dueKey, tokenExpiryKey, tokenIndexId } from './records.ts';
import type { IndexValue, TokenExpiry } from './records.ts';

/** Puts (or moves) a token's expiry in the index. */
export async function placeToken(view: StorageView, hash: string, expireTime: number): Promise<void> {
  const old = await view.getJSON<TokenExpiry>(tokenExpiryKey(hash));
  const next: TokenExpiry = { hash, expireTime, dueTime: expireTime, attempts: 0 };
  const ops: ViewTxOp[] = [];
  if (old && old.dueTime !== next.dueTime) ops.push({ op: 'delete', key: dueKey(old.dueTime, tokenIndexId(hash)) });
  ops.push({ op: 'put', key: tokenExpiryKey(hash), value: { json: next } });
  ops.push({ op: 'put', key: dueKey(next.dueTime, tokenIndexId(hash)), value: { json: { kind: 'token', id: hash } satisfies IndexValue } });
  await view.transaction(ops);
}

/** Takes a token out of the index (revoked, or no longer expiring). */
export async function removeToken(view: StorageView, hash: string): Promise<void> {
  const old = await view.getJSON<TokenExpiry>(tokenExpiryKey(hash));
  if (!old) return;
  await view.transaction([
    { op: 'delete', key: tokenExpiryKey(hash) },
    { op: 'delete', key: dueKey(old.dueTime, tokenIndexId(hash)) },
  ]);
}
