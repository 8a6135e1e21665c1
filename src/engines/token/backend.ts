/**
 * The token auth method, always mounted at `auth/token/` (spec/auth.md 1.3). Handlers translate
 * requests into calls on core's token store; token-issuing endpoints return a ready `auth` block
 * (`authBlock`) with `data: null`.
 */
import { definePath } from '../../framework/path.ts';
import type { Backend } from '../../framework/types.ts';
import type { TokenStore } from '../../core/token/store.ts';
import { createPaths } from './create-paths.ts';
import { lookupPaths } from './lookup-paths.ts';
import { renewPaths } from './renew-paths.ts';
import { revokePaths } from './revoke-paths.ts';
import { rolePaths } from './role-paths.ts';

export const TIDY_STARTED = "Tidy operation successfully started. Any information from the operation will be printed to Vault's server logs.";
export const TIDY_RUNNING = 'Tidy operation already in progress.';

/** Root-protected paths (spec/core.md 2.16); `revoke-orphan` is how the body form is requested. */
export const TOKEN_ROOT_PATHS = ['revoke-orphan/*', 'accessors*'];

export function createTokenBackend(store: TokenStore): Backend {
  return {
    type: 'token',
    special: { root: [...TOKEN_ROOT_PATHS] },
    paths: [
      ...createPaths(store),
      ...lookupPaths(store),
      ...renewPaths(store),
      ...revokePaths(store),
      ...rolePaths(store),
      definePath({
        pattern: 'accessors/?',
        fields: {},
        operations: {
          list: {
            handler: async () => {
              const keys = await store.listAccessors();
              return keys.length > 0 ? { data: { keys } } : undefined;
            },
            summary: 'List token accessors.',
          },
        },
        synopsis: 'List token accessors.',
        description: 'Lists the accessors of all service tokens. Needs sudo in addition to list.',
      }),
      definePath({
        pattern: 'tidy',
        fields: {},
        operations: {
          update: {
            handler: async () => {
              const { started } = store.tidy();
              return started ? { data: null, warnings: [TIDY_STARTED], status: 202 } : { data: null, warnings: [TIDY_RUNNING] };
            },
            summary: 'Clean up dangling token indexes.',
          },
        },
        synopsis: 'Clean up the token store.',
        description: 'Removes index entries left by tokens that no longer exist and revokes the leases they owned.',
      }),
    ],
  };
}
