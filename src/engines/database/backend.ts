/**
 * The database secrets engine (`type=database`, spec/dynamic.md 2): connection configs, dynamic
 * roles and leased credentials, root rotation, static roles with background rotation.
 *
 * Background work (periodic, on the node that runs it): settle root-rotation WALs at least a
 * minute old, then run the static-role rotations that are due, missed ones (server down) included;
 * the queue is loaded at init, so the first periodic call after start catches up.
 */
import type { Backend, BackendContext, BackendFactory } from '../../framework/types.ts';
import { CONFIG_PREFIX, ConfigStore } from './config-store.ts';
import { configPaths } from './config-paths.ts';
import { Connections, type PluginFactory } from './connections.ts';
import { credsPaths } from './creds.ts';
import type { DatabaseDeps } from './deps.ts';
import { CREDS_SECRET_TYPE, credsSecretType } from './lease.ts';
import { KeyedMutex } from './locks.ts';
import { createPlugin } from './plugin.ts';
import { errorMessage } from './redact.ts';
import { rolePaths } from './roles-paths.ts';
import { RoleStore, STATIC_ROLE_PREFIX } from './roles-store.ts';
import { RootWalSettler, rotateRootPaths } from './rotate-root.ts';
import { staticRolePaths } from './static-roles-paths.ts';
import { StaticRotator } from './static-rotation.ts';
import { WalStore } from './wal.ts';

export interface DatabaseBackendOptions {
  /** Creates plugin objects by plugin name (tests pass a fake; default: the built-in plugins). */
  pluginFactory?: PluginFactory;
  /** Clock in unix ms (tests). */
  now?: () => number;
}

export interface DatabaseBackend extends Backend {
  /** The static-role rotation queue (tests, diagnostics). */
  readonly rotator: StaticRotator;
  /** The live connections (tests). */
  readonly connections: Connections;
}

export function createDatabase(ctx: BackendContext, opts: DatabaseBackendOptions = {}): DatabaseBackend {
  const configs = new ConfigStore(ctx.storage);
  const pluginFactory = opts.pluginFactory ?? createPlugin;
  const connections = new Connections(configs, pluginFactory, ctx.logger);
  const deps: DatabaseDeps = {
    storage: ctx.storage,
    mount: ctx.mount,
    logger: ctx.logger,
    system: ctx.system,
    configs,
    roles: new RoleStore(ctx.storage),
    wals: new WalStore(ctx.storage),
    connections,
    pluginFactory,
    connLock: new KeyedMutex(),
    roleLock: new KeyedMutex(),
    now: opts.now ?? Date.now,
  };
  const rotator = new StaticRotator(deps);
  const settler = new RootWalSettler(deps);

  return {
    type: 'database',
    paths: [
      ...configPaths(deps),
      ...rolePaths(deps),
      ...credsPaths(deps),
      ...rotateRootPaths(deps),
      ...staticRolePaths(deps, rotator),
    ],
    secrets: { [CREDS_SECRET_TYPE]: credsSecretType(deps) },
    init: () => rotator.load(),
    cleanup: () => connections.closeAll(),
    invalidate: (key) => {
      if (key.startsWith(CONFIG_PREFIX)) {
        connections.remove(key.slice(CONFIG_PREFIX.length));
      } else if (key.startsWith(STATIC_ROLE_PREFIX)) {
        const name = key.slice(STATIC_ROLE_PREFIX.length);
        rotator.refresh(name).catch((e: unknown) => {
          ctx.logger.warn('database: reloading a static role failed', { role: name, error: errorMessage(e) });
        });
      }
    },
    periodic: async () => {
      // One failing part must not stop the other.
      for (const [what, work] of [
        ['root rotation recovery', () => settler.tick()],
        ['static role rotation', () => rotator.tick()],
      ] as const) {
        try {
          await work();
        } catch (e) {
          ctx.logger.error(`database: ${what} failed`, { mount: ctx.mount.path, error: errorMessage(e) });
        }
      }
    },
    rotator,
    connections,
  };
}

/** Factory of the database secrets engine (register as `secret: { database: createDatabaseBackend }`). */
export const createDatabaseBackend: BackendFactory = (ctx) => createDatabase(ctx);
