/**
 * The `creds` secret type (spec/dynamic.md 1.6, 2.8): renew and revoke of database leases, called
 * by core's expiration manager. Everything revocation needs is in the lease's internal data, so
 * it works after the role is deleted; it needs the connection config though (a deleted config
 * makes revocation fail, and core retries, then marks the lease irrevocable).
 * A thrown error means failure: core retries a revocation with backoff.
 */
import { invalidRequest } from '../../errors.ts';
import type { LeaseInfo, SecretType } from '../../framework/types.ts';
import { calcTTL } from '../../core/ttl.ts';
import type { DatabaseDeps } from './deps.ts';
import type { Statements } from './plugin.ts';
import { dbFailure } from './redact.ts';
import { roleStatements } from './roles-store.ts';

export const CREDS_SECRET_TYPE = 'creds';

/** Added to a database user's expiry so it never expires before its lease (Vault: 5 s). */
export const EXPIRATION_BUFFER_MS = 5000;

export interface CredsInternalData {
  username: string;
  role: string;
  db_name: string;
  revocation_statements: string[];
  renew_statements: string[];
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function strList(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x !== '') : [];
}

function usernameOf(lease: LeaseInfo): string {
  const username = str(lease.internalData.username);
  // Nothing can ever revoke such a lease: an invalid-request error makes core give up at once.
  if (!username) throw invalidRequest('secret is missing username internal data');
  return username;
}

async function renew(deps: DatabaseDeps, lease: LeaseInfo): Promise<{ ttl: number; maxTTL: number }> {
  const username = usernameOf(lease);
  const roleName = str(lease.internalData.role) ?? '';
  const role = roleName ? await deps.roles.getDynamic(roleName) : undefined;
  if (!role) throw new Error(`error during renew: could not find role with name ${JSON.stringify(roleName)}`);
  const result = { ttl: role.default_ttl, maxTTL: role.max_ttl };

  const now = deps.now();
  let ttl: number;
  try {
    ttl = calcTTL({
      increment: Math.max(0, lease.increment ?? 0),
      backendTTL: role.default_ttl,
      period: 0,
      backendMaxTTL: role.max_ttl,
      explicitMaxTTL: 0,
      startMs: lease.issueTime,
      mountDefaultTTL: deps.mount.defaultLeaseTTL(),
      mountMaxTTL: deps.mount.maxLeaseTTL(),
      nowMs: now,
    }).ttl;
  } catch {
    // Past the max TTL: core answers that itself with its own message.
    return result;
  }
  if (ttl > 0) {
    const expiration = new Date(now + ttl * 1000 + EXPIRATION_BUFFER_MS);
    await deps.connections
      .use(role.db_name, (plugin) => plugin.renewUser({ statements: roleStatements(role), username, expiration }))
      .catch((e: unknown) => {
        throw dbFailure('', e, []);
      });
  }
  return result;
}

async function revoke(deps: DatabaseDeps, lease: LeaseInfo): Promise<void> {
  const username = usernameOf(lease);
  const roleName = str(lease.internalData.role);
  if (!roleName) throw invalidRequest('no role name was provided');
  const role = await deps.roles.getDynamic(roleName);
  let dbName: string;
  let statements: Statements;
  if (role) {
    dbName = role.db_name;
    statements = roleStatements(role);
  } else {
    const embedded = str(lease.internalData.db_name);
    if (!embedded) {
      throw invalidRequest(`error during revoke: could not find role with name ${JSON.stringify(roleName)} or embedded revocation db name data`);
    }
    dbName = embedded;
    statements = {
      creation: [],
      revocation: strList(lease.internalData.revocation_statements),
      rollback: [],
      renew: strList(lease.internalData.renew_statements),
      rotation: [],
    };
  }
  await deps.connections
    .use(dbName, (plugin) => plugin.revokeUser({ statements, username }))
    .catch((e: unknown) => {
      throw dbFailure('', e, []);
    });
}

export function credsSecretType(deps: DatabaseDeps): SecretType {
  return {
    renew: (lease) => renew(deps, lease),
    revoke: (lease) => revoke(deps, lease),
  };
}
