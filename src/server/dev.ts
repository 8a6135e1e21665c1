/**
 * Dev mode (spec/core.md 6.7): in-memory storage, initialised with one share and unsealed, a
 * root token (optionally with a chosen id), KV v2 at secret/; beside it the dev OIDC issuer, and
 * `auth/jwt/` trusting the issuer's GitHub platform.
 */
import { KeepClient } from '../client/index.ts';
import type { ServerConfig } from '../config/types.ts';
import { initDev } from '../core/init.ts';
import { builtinEngines } from '../engines/index.ts';
import { configureDemo } from '../issuer/keep-setup.ts';
import type { DemoSetup } from '../issuer/keep-setup.ts';
import { startIssuerServer } from '../issuer/server.ts';
import type { RunningIssuer } from '../issuer/server.ts';
import type { RunningServer } from './start.ts';

export function devConfig(listenAddress: string, logLevel: string): ServerConfig {
  return {
    storage: { type: 'inmem' },
    listeners: [{ address: listenAddress, tlsDisable: true }],
    seal: { type: 'shamir' },
    ui: true,
    defaultLeaseTTL: 0,
    maxLeaseTTL: 0,
    logLevel,
  };
}

export async function setupDev(
  server: RunningServer,
  opts: { rootTokenId?: string; kvV1: boolean },
): Promise<{ unsealKey: string; rootToken: string }> {
  const { unsealKey, rootToken } = await initDev(server.core, opts.rootTokenId);
  await server.core.live.mounts.enable('secret', 'secret/', {
    type: 'kv',
    description: 'key/value secret storage',
    config: {},
    options: { version: opts.kvV1 ? '1' : '2' },
    local: false,
    seal_wrap: false,
    external_entropy_access: false,
  });
  return { unsealKey, rootToken };
}

/** True when this build has the JWT auth method (`auth` registry entry `jwt`). */
export function jwtAuthAvailable(): boolean {
  return 'jwt' in builtinEngines().auth;
}

/** The dev issuer beside a dev server, and the demo configuration that trusts it. */
export interface DevIssuerSetup {
  issuer: RunningIssuer;
  /** Present when the JWT method exists and `auth/jwt/` was configured. */
  demo?: DemoSetup;
  /** Why the JWT demo configuration was skipped or failed. */
  note?: string;
}

/**
 * Starts the dev OIDC issuer on `listen` (another free port when that one is busy) and, when the
 * JWT method is available, configures Keep through its API to trust the issuer's github platform
 * (with `demoData`, also the demo secret the role may read).
 */
export async function setupDevIssuer(
  apiAddress: string,
  rootToken: string,
  opts: { listen: string; kvV1: boolean; demoData?: boolean },
): Promise<DevIssuerSetup> {
  const issuer = await startIssuerServer({ listen: opts.listen, fallbackToFreePort: true });
  if (!jwtAuthAvailable()) return { issuer, note: 'the jwt auth method is not in this build; auth/jwt/ was not mounted' };
  const admin = new KeepClient({ address: apiAddress, token: rootToken });
  try {
    const demo = await configureDemo(admin, issuer.issuer.issuerUrl('github'), { kvV1: opts.kvV1, writeSecret: opts.demoData === true });
    return { issuer, demo };
  } catch (e) {
    return { issuer, note: `configuring auth/jwt/ failed: ${(e as Error).message}` };
  } finally {
    admin.close();
  }
}
