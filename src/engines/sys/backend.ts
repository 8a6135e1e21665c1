/**
 * The system backend (type `system`, mounted at sys/): every sys/ path that runs through the
 * logical pipeline, mapped onto core's services. sys/init, sys/seal-status, sys/unseal,
 * sys/health and sys/leader are served by core/http outside the pipeline and are not declared.
 */
import type { SystemServices } from '../../core/contracts.ts';
import type { Backend } from '../../framework/types.ts';
import { authPaths } from './auth.ts';
import { capabilitiesPaths } from './capabilities.ts';
import { internalUiPaths } from './internal-ui.ts';
import { keyPaths } from './keys.ts';
import { leasePaths } from './leases.ts';
import { mountsPaths } from './mounts.ts';
import { openapiPaths } from './openapi.ts';
import { passwordPolicyPaths } from './password.ts';
import { legacyPolicyPaths } from './policy-legacy.ts';
import { policyPaths } from './policy.ts';
import { remountPaths } from './remount.ts';
import { sealPaths } from './seal.ts';
import { SYS_ROOT_PATHS, SYS_UNAUTHENTICATED_PATHS } from './special.ts';
import { tunePath } from './tune.ts';
import { wrappingPaths } from './wrapping.ts';

export function createSysBackend(services: SystemServices): Backend {
  return {
    type: 'system',
    paths: [
      // Tune paths first: `mounts/<path>` and `auth/<path>` also exclude `/tune` themselves.
      tunePath(services, 'secret'),
      tunePath(services, 'auth'),
      ...mountsPaths(services),
      ...authPaths(services),
      ...remountPaths(services),
      ...policyPaths(services),
      ...passwordPolicyPaths(services.passwordPolicies),
      ...legacyPolicyPaths(services),
      ...capabilitiesPaths(services),
      ...leasePaths(services),
      ...wrappingPaths(services),
      ...keyPaths(services),
      ...sealPaths(services),
      ...internalUiPaths(services),
      ...openapiPaths(services),
    ],
    special: {
      root: [...SYS_ROOT_PATHS],
      unauthenticated: [...SYS_UNAUTHENTICATED_PATHS],
    },
  };
}
