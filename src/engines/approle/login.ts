/**
 * `POST login` (spec/auth.md 5.7) and the renew hook. The checks run in Vault's order and with
 * its messages; an unknown role_id and a wrong secret ID give the same error. A limited-use
 * secret ID spends its use before the CIDR checks, under the secret ID's lock, so concurrent
 * logins never over-spend it.
 */
import { badRequest, forbidden, internalError } from '../../errors.ts';
import { addressInCidrs } from '../../core/token/cidr.ts';
import { normalizePolicies } from '../../core/token/policies.ts';
import { definePath } from '../../framework/path.ts';
import type { AuthSpec, LogicalResponse, PathDef, RequestContext } from '../../framework/types.ts';
import { cidrSubset, goQuote, subsetError } from './cidr.ts';
import type { RoleEntry } from './role.ts';
import { isExpired, type SecretIdEntry } from './secret-id.ts';
import type { SecretIdDeps } from './secret-id-paths.ts';
import type { AppRoleStore } from './store.ts';

const INVALID = 'invalid role or secret ID';

const loginFields = {
  role_id: { type: 'string', description: 'Role ID of the role.' },
  secret_id: { type: 'string', description: 'Secret ID of the role (when the role binds one).' },
} as const;

function requireAddress(remote: string): string {
  if (remote === '') throw internalError('failed to get connection information');
  return remote;
}

function checkSecretCidrs(role: RoleEntry, entry: SecretIdEntry, remote: string, limited: boolean): void {
  const roleBlocks = role.secret_id_bound_cidrs ?? [];
  if (!cidrSubset(roleBlocks, entry.cidr_list)) throw internalError(subsetError(roleBlocks, entry.cidr_list));
  if (entry.cidr_list.length === 0) return;
  const ip = requireAddress(remote);
  if (addressInCidrs(ip, entry.cidr_list)) return;
  throw badRequest(
    limited
      ? `source address ${goQuote(ip)} unauthorized by CIDR restrictions on the secret ID: %!w(<nil>)`
      : `source address ${goQuote(ip)} unauthorized through CIDR restrictions on the secret ID`,
  );
}

/** Validates a secret ID of `role` and spends one use; returns its entry as it was before. */
async function useSecretId(deps: SecretIdDeps, role: RoleEntry, secretId: string, remote: string): Promise<SecretIdEntry> {
  const store = deps.store;
  const hmac = store.secretIdHmac(role, secretId);
  return store.withSecretId(hmac, async () => {
    const key = store.secretKey(role, hmac);
    const entry = await store.getSecretId(key, hmac);
    if (!entry) throw badRequest(INVALID);
    if (!(await store.getAccessor(entry.secret_id_accessor))) {
      await store.deleteSecretId(key, undefined);
      throw badRequest(INVALID);
    }
    const now = deps.now();
    if (isExpired(entry, now)) {
      await store.deleteSecretId(key, entry.secret_id_accessor);
      throw badRequest(INVALID);
    }
    if (entry.secret_id_num_uses === 0) {
      checkSecretCidrs(role, entry, remote, false);
      return entry;
    }
    if (entry.secret_id_num_uses === 1) await store.deleteSecretId(key, entry.secret_id_accessor);
    else await store.putSecretId(key, { ...entry, secret_id_num_uses: entry.secret_id_num_uses - 1, last_updated_time: now });
    checkSecretCidrs(role, entry, remote, true);
    return entry;
  });
}

/** The login's AuthSpec from the role and the secret ID's metadata. */
export function loginAuth(role: RoleEntry, secretMeta: Record<string, string>, boundCIDRs: string[]): AuthSpec {
  const metadata: Record<string, string> = { ...secretMeta, role_name: role.name };
  return {
    displayName: '',
    policies: normalizePolicies(role.token_policies),
    metadata,
    alias: { name: role.role_id, metadata: { ...metadata } },
    ttl: role.token_ttl,
    maxTTL: role.token_max_ttl,
    explicitMaxTTL: role.token_explicit_max_ttl,
    period: role.token_period,
    numUses: role.token_num_uses,
    noDefaultPolicy: role.token_no_default_policy,
    boundCIDRs,
    tokenType: role.token_type,
    internalData: { role_name: role.name },
    renewable: true,
  };
}

export async function login(deps: SecretIdDeps, ctx: RequestContext<typeof loginFields>): Promise<LogicalResponse> {
  const roleId = (ctx.fields.role_id ?? '').trim();
  if (roleId === '') throw badRequest('missing role_id');
  const role = await deps.store.roleByRoleId(roleId);
  if (!role) throw badRequest(INVALID);

  let entry: SecretIdEntry | undefined;
  if (role.bind_secret_id) {
    const secretId = (ctx.fields.secret_id ?? '').trim();
    if (secretId === '') throw badRequest('missing secret_id');
    entry = await useSecretId(deps, role, secretId, ctx.remoteAddress);
  }

  const roleBlocks = role.secret_id_bound_cidrs ?? [];
  if (roleBlocks.length > 0) {
    const ip = requireAddress(ctx.remoteAddress);
    if (!addressInCidrs(ip, roleBlocks)) {
      throw badRequest(`source address ${goQuote(ip)} unauthorized by CIDR restrictions on the role: %!w(<nil>)`);
    }
  }

  const boundCIDRs = entry && entry.token_bound_cidrs.length > 0 ? [...entry.token_bound_cidrs] : [...role.token_bound_cidrs];
  // The token could not be used from here anyway (spec/auth.md 1.12): refuse the login itself.
  if (boundCIDRs.length > 0 && !addressInCidrs(ctx.remoteAddress, boundCIDRs)) throw forbidden('permission denied');

  return { auth: loginAuth(role, entry?.metadata ?? {}, boundCIDRs) };
}

export function loginPath(deps: SecretIdDeps): PathDef {
  return definePath({
    pattern: 'login',
    fields: loginFields,
    operations: {
      update: { handler: (ctx) => login(deps, ctx), summary: 'Log in with a role ID and a secret ID.' },
    },
    synopsis: 'Issue a token from a role ID and a secret ID.',
    description: 'The role ID is always required; the secret ID when the role has bind_secret_id set (the default).',
  });
}

/** Renew hook: the role's current token_ttl / token_max_ttl / token_period (spec/auth.md 1.7). */
export async function renewAuth(store: AppRoleStore, internalData: Record<string, unknown>): Promise<Pick<AuthSpec, 'ttl' | 'maxTTL' | 'period'>> {
  const name = typeof internalData.role_name === 'string' ? internalData.role_name : '';
  if (name === '') throw new Error('failed to fetch role_name during renewal');
  const role = await store.getRole(name);
  if (!role) throw new Error(`role ${goQuote(name)} does not exist during renewal`);
  return { ttl: role.token_ttl, maxTTL: role.token_max_ttl, period: role.token_period };
}
