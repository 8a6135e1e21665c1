/** The engines this build of Keep can mount, assembled for core (which never imports engines). */
import type { EngineRegistry } from '../core/registry.ts';
import { createAppRoleBackend } from './approle/backend.ts';
import { createCubbyholeBackend } from './cubbyhole/backend.ts';
import { createDatabaseBackend } from './database/backend.ts';
import { createIdentityBackend } from './identity/backend.ts';
import { createJwtBackend } from './jwt/backend.ts';
import { createKvBackend, upgradeKvV1ToV2 } from './kv/backend.ts';
import { createSysBackend } from './sys/backend.ts';
import { createTokenBackend } from './token/backend.ts';

export function builtinEngines(): EngineRegistry {
  return {
    secret: {
      kv: createKvBackend,
      cubbyhole: createCubbyholeBackend,
      database: createDatabaseBackend,
    },
    auth: {
      approle: createAppRoleBackend,
      jwt: createJwtBackend,
      oidc: createJwtBackend,
    },
    system: (services) => createSysBackend(services),
    token: (store) => createTokenBackend(store),
    identity: (identity) => createIdentityBackend(identity),
    kvUpgrade: upgradeKvV1ToV2,
  };
}
