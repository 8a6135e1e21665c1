/**
 * The AppRole auth method (spec/auth.md 5): roles with a role ID and secret IDs, login issuing
 * an AuthSpec (core mints the token), the renew hook, and secret-ID tidy (on request and once a
 * minute from the background work). Only `login` is unauthenticated.
 */
import { definePath } from '../../framework/path.ts';
import type { Backend, BackendContext, BackendFactory } from '../../framework/types.ts';
import { loginPath, renewAuth } from './login.ts';
import { rolePaths } from './role-paths.ts';
import { secretIdPaths, type SecretIdDeps } from './secret-id-paths.ts';
import { AppRoleStore } from './store.ts';
import { TIDY_RUNNING, TIDY_STARTED, tidySecretIds, type TidyResult } from './tidy.ts';

/** How often the background work tidies secret IDs (Vault: once a minute). */
export const TIDY_INTERVAL_MS = 60_000;

export interface AppRoleOptions {
  /** Clock in unix ms (tests). */
  now?: () => number;
}

export interface AppRoleBackend extends Backend {
  /** Runs a secret-ID tidy now, or joins the one under way. */
  tidySecretIds(): Promise<TidyResult>;
}

export function createAppRole(ctx: BackendContext, opts: AppRoleOptions = {}): AppRoleBackend {
  const store = new AppRoleStore(ctx.storage);
  const deps: SecretIdDeps = { store, now: opts.now ?? Date.now };
  let running: Promise<TidyResult> | undefined;
  let lastTidy = deps.now();

  const tidy = (): Promise<TidyResult> => {
    running ??= tidySecretIds(store, deps.now()).finally(() => {
      running = undefined;
    });
    return running;
  };

  return {
    type: 'approle',
    special: { unauthenticated: ['login'] },
    paths: [
      loginPath(deps),
      ...rolePaths(store),
      ...secretIdPaths(deps),
      definePath({
        pattern: 'tidy/secret-id$',
        fields: {},
        operations: {
          update: {
            handler: async () => {
              if (running) return { data: null, warnings: [TIDY_RUNNING] };
              tidy().catch((e: unknown) => {
                ctx.logger.error('approle secret-id tidy failed', { mount: ctx.mount.path, error: e instanceof Error ? e.message : String(e) });
              });
              return { data: null, warnings: [TIDY_STARTED], status: 202 };
            },
            summary: 'Delete expired and dangling secret IDs and accessors.',
          },
        },
        synopsis: 'Tidy secret IDs.',
        description: 'Removes expired secret IDs, secret IDs of deleted roles, and accessor entries without a secret ID. Runs in the background.',
      }),
    ],
    init: () => store.init(),
    authRenew: (internalData) => renewAuth(store, internalData),
    invalidate: (key) => store.invalidate(key),
    periodic: async () => {
      if (deps.now() - lastTidy < TIDY_INTERVAL_MS) return;
      lastTidy = deps.now();
      await tidy();
    },
    tidySecretIds: tidy,
  };
}

/** Factory of the `approle` auth method (register as `auth: { approle: createAppRoleBackend }`). */
export const createAppRoleBackend: BackendFactory = (ctx) => createAppRole(ctx);
