/**
 * The JWT/OIDC auth method (spec/auth.md 3), mount types `jwt` and `oidc`: config, roles, login,
 * the renew hook, and Keep's explain endpoint (sudo). `login` is unauthenticated. The OIDC
 * browser flow (oidc/auth_url, oidc/callback) is LATER and answers `unsupported path`.
 */
import type { Backend, BackendContext, BackendFactory } from '../../framework/types.ts';
import { configPath } from './config-paths.ts';
import { explainPath } from './explain.ts';
import { DEFAULT_FETCH_TIMEOUT_MS } from './fetch.ts';
import { loginPath, renewAuth } from './login.ts';
import { rolePaths } from './role-paths.ts';
import { JwtState, type JwtOptions } from './state.ts';

export type { JwtOptions } from './state.ts';

export interface JwtBackend extends Backend {
  /** The mount's state (tests). */
  readonly state: JwtState;
}

export function createJwt(ctx: BackendContext, opts: JwtOptions = {}): JwtBackend {
  const state = new JwtState(ctx.storage, { ...opts, now: opts.now ?? Date.now, fetchTimeoutMs: opts.fetchTimeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS }, ctx.logger);
  return {
    type: ctx.mount.type === 'oidc' ? 'oidc' : 'jwt',
    special: { unauthenticated: ['login', 'oidc/auth_url', 'oidc/callback'], root: ['explain'] },
    paths: [configPath(state), ...rolePaths(state), loginPath(state), explainPath(state)],
    authRenew: (internalData) => renewAuth(state, internalData),
    invalidate: (key) => state.invalidate(key),
    state,
  };
}

/** Factory of the `jwt` and `oidc` auth methods (register both types with it). */
export const createJwtBackend: BackendFactory = (ctx) => createJwt(ctx, { renderPolicies: ctx.system.renderPolicies });
