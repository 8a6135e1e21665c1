/**
 * The identity engine (type `identity`, mounted at identity/): entities and entity aliases over
 * core's IdentityApi. This is what sets entity/alias metadata for templated policies.
 */
import type { IdentityApi } from '../../core/contracts.ts';
import type { Backend } from '../../framework/types.ts';
import { aliasPaths } from './alias.ts';
import { entityPaths } from './entity.ts';

export function createIdentityBackend(identity: IdentityApi): Backend {
  return {
    type: 'identity',
    paths: [...entityPaths(identity), ...aliasPaths(identity)],
  };
}
