/**
 * `POST login` (spec/auth.md 3.4, 3.5) and the renew hook (3.10). Steps 1-3 here, the rest in
 * validate.ts; then jti_single_use (after every other check passed) and the AuthSpec: alias =
 * user claim value, alias metadata = claim mappings + role, token metadata = the same plus the
 * pipeline attribution (ci_*) of a recognised platform.
 */
import { definePath } from '../../framework/path.ts';
import type { AuthSpec, LogicalResponse, PathDef, RequestContext } from '../../framework/types.ts';
import { attributionMetadata } from './attribution.ts';
import type { JwtConfig } from './config-model.ts';
import { REASONS, loginError } from './reasons.ts';
import { replayKey } from './replay.ts';
import type { JwtRole } from './role-model.ts';
import type { JwtState, LoadedRole } from './state.ts';
import { Trace } from './trace.ts';
import { runPipeline, type PipelineResult } from './validate.ts';

const loginFields = {
  role: { type: 'lowercase-string', description: 'The role to log in against (default: the mount default_role).' },
  jwt: { type: 'string', description: 'The signed JWT to validate.' },
} as const;

/** Token metadata of a login: claim mappings, role, and the ci_* attribution. */
export function loginMetadata(roleName: string, result: PipelineResult): { alias: Record<string, string>; token: Record<string, string> } {
  const alias: Record<string, string> = { ...result.mapped, role: roleName };
  const token: Record<string, string> = { ...alias };
  if (result.platform) Object.assign(token, attributionMetadata(result.platform, result.claims));
  return { alias, token };
}

/** The explicit max TTL: the role's, capped by the JWT's remaining life with token_expires_with_jwt. */
export function explicitMaxTTL(role: JwtRole, exp: number, nowMs: number): number {
  if (!role.token_expires_with_jwt) return role.token_explicit_max_ttl;
  const remaining = Math.max(1, Math.floor(exp - nowMs / 1000));
  return role.token_explicit_max_ttl > 0 ? Math.min(role.token_explicit_max_ttl, remaining) : remaining;
}

export function loginAuth(roleName: string, role: JwtRole, result: PipelineResult, nowMs: number): AuthSpec {
  const meta = loginMetadata(roleName, result);
  const userName = result.userName ?? '';
  return {
    displayName: userName,
    policies: [...role.token_policies],
    metadata: meta.token,
    alias: { name: userName, metadata: meta.alias },
    groupAliases: result.groups,
    ttl: role.token_ttl,
    maxTTL: role.token_max_ttl,
    explicitMaxTTL: explicitMaxTTL(role, result.exp, nowMs),
    period: role.token_period,
    numUses: role.token_num_uses,
    noDefaultPolicy: role.token_no_default_policy,
    boundCIDRs: [...role.token_bound_cidrs],
    tokenType: role.token_type,
    internalData: { role: roleName },
    renewable: true,
  };
}

/** Steps 1-3: config, role name (request or default_role), role. */
export async function resolveRole(state: JwtState, requested: string | undefined): Promise<{ config: JwtConfig; name: string; loaded: LoadedRole }> {
  const config = await state.getConfig();
  if (!config) throw loginError({ code: REASONS.CONFIG_MISSING, message: 'could not load configuration' }, undefined);
  const name = requested || config.default_role;
  if (!name) throw loginError({ code: REASONS.ROLE_REQUIRED, message: 'missing role' }, undefined);
  const loaded = await state.getRole(name);
  if (!loaded) throw loginError({ code: REASONS.ROLE_NOT_FOUND, message: `role ${JSON.stringify(name)} could not be found` }, name);
  return { config, name, loaded };
}

async function login(state: JwtState, ctx: RequestContext<typeof loginFields>): Promise<LogicalResponse> {
  const { config, name, loaded } = await resolveRole(state, ctx.fields.role);
  const jwt = ctx.fields.jwt ?? '';
  const nowMs = state.opts.now();
  const result = await runPipeline({
    trace: new Trace('login', name),
    config,
    trust: () => state.trust(),
    loaded,
    jwt,
    remoteAddress: ctx.remoteAddress,
    nowMs,
  });
  const role = loaded.role;
  if (role.jti_single_use) {
    const fresh = await state.consumeOnce(replayKey(result.claims, jwt), result.exp + result.leeways.clockSkew);
    if (!fresh) {
      throw loginError({ code: REASONS.REPLAY, message: 'error validating token: token has already been used (jti_single_use)', claim: 'jti' }, name);
    }
  }
  return { auth: loginAuth(name, role, result, nowMs) };
}

export function loginPath(state: JwtState): PathDef {
  return definePath({
    pattern: 'login$',
    fields: loginFields,
    operations: {
      update: { handler: (ctx) => login(state, ctx), summary: 'Authenticate with a JWT (or OIDC ID token).' },
    },
    synopsis: 'Authenticates to Keep using a JWT.',
    description: 'Validates the JWT against the mount config and the role, and issues a token.',
  });
}

/** Renew hook: the role's current token_ttl / token_max_ttl / token_period (spec/auth.md 3.10). */
export async function renewAuth(state: JwtState, internalData: Record<string, unknown>): Promise<Pick<AuthSpec, 'ttl' | 'maxTTL' | 'period'>> {
  const name = typeof internalData.role === 'string' ? internalData.role : '';
  if (name === '') throw new Error('failed to fetch role_name during renewal');
  const loaded = await state.getRole(name);
  if (!loaded) throw new Error(`role ${name} does not exist during renewal`);
  const role = loaded.role;
  return { ttl: role.token_ttl, maxTTL: role.token_max_ttl, period: role.token_period };
}
