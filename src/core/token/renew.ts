/**
 * Token renewal (spec/auth.md 1.7 and the renew row of 1.6): the new expiry is now + calcTTL,
 * measured against the original issue time, so a small increment can shorten the life and a
 * periodic token resets to its period.
 */
import { badRequest, internalError, isKeepError } from '../../errors.ts';
import type { TokenEntry } from '../contracts.ts';
import { calcTTL } from '../ttl.ts';
import { authBlock, currentLeaseTTL } from './describe.ts';
import type { TokenStore } from './store.ts';
import type { RenewResult } from './types.ts';

const truncSec = (ms: number): number => Math.floor(ms / 1000) * 1000;

interface RenewInputs {
  ttl: number;
  period: number;
  maxTTL: number;
  explicitMaxTTL: number;
  mountDefaultTTL: number;
  mountMaxTTL: number;
}

function isTokenStoreToken(entry: TokenEntry): boolean {
  return entry.path.startsWith('auth/token/');
}

async function tokenStoreInputs(store: TokenStore, entry: TokenEntry): Promise<RenewInputs> {
  const mount = store.deps.tokenMount();
  const base = { ttl: currentLeaseTTL(entry), maxTTL: 0, mountDefaultTTL: mount.defaultTTL, mountMaxTTL: mount.maxTTL };
  if (!entry.role) return { ...base, period: entry.period, explicitMaxTTL: entry.explicitMaxTTL };
  const role = await store.getRole(entry.role);
  if (!role) throw internalError(`failed to renew entry: original token role "${entry.role}" could not be found, not renewing`);
  return { ...base, period: role.tokenPeriod, explicitMaxTTL: role.tokenExplicitMaxTTL };
}

async function pluginInputs(store: TokenStore, entry: TokenEntry): Promise<RenewInputs> {
  let hook: Awaited<ReturnType<NonNullable<typeof store.deps.authRenew>>> = {};
  if (store.deps.authRenew) {
    try {
      hook = await store.deps.authRenew(entry);
    } catch (e) {
      if (isKeepError(e)) throw e;
      throw internalError(`failed to renew entry: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  const mount = store.deps.mountTTLs?.(entry.mountAccessor) ?? store.deps.tokenMount();
  return {
    ttl: hook.ttl ?? currentLeaseTTL(entry),
    period: hook.period ?? entry.period,
    maxTTL: hook.maxTTL ?? 0,
    explicitMaxTTL: entry.explicitMaxTTL,
    mountDefaultTTL: hook.mountDefaultTTL ?? mount.defaultTTL,
    mountMaxTTL: hook.mountMaxTTL ?? mount.maxTTL,
  };
}

export async function renewToken(store: TokenStore, entry: TokenEntry, increment: number, clientToken: string): Promise<RenewResult> {
  if (entry.type === 'batch') throw badRequest('batch tokens cannot be renewed');
  const now = store.now();
  if (entry.issueTime === 0 || entry.expireTime === 0) throw badRequest('lease is not renewable');
  if (entry.expireTime <= now) throw badRequest('lease expired');
  if (!entry.renewable) throw badRequest('lease is not renewable');

  const inputs = isTokenStoreToken(entry) ? await tokenStoreInputs(store, entry) : await pluginInputs(store, entry);
  const { ttl, warnings } = calcTTL({
    increment: Math.max(0, increment),
    backendTTL: inputs.ttl,
    period: inputs.period,
    backendMaxTTL: inputs.maxTTL,
    explicitMaxTTL: inputs.explicitMaxTTL,
    startMs: truncSec(entry.issueTime),
    mountDefaultTTL: inputs.mountDefaultTTL,
    mountMaxTTL: inputs.mountMaxTTL,
    nowMs: truncSec(now),
  });

  const renewed = await store.lock.run(entry.hash, async () => {
    const fresh = await store.repo.load(entry.hash, true);
    if (!fresh) throw badRequest('token not found');
    const updated: TokenEntry = { ...fresh, expireTime: now + ttl * 1000, lastRenewalTime: now };
    await store.repo.save(updated);
    return updated;
  });
  await store.deps.expiration.registerToken(renewed);

  const block = authBlock(renewed, {
    clientToken,
    leaseDuration: ttl,
    renewable: true,
    identityPolicies: await store.identityPolicies(renewed),
  });
  return { entry: renewed, authBlock: block, warnings };
}
