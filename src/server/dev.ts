/**
 * Dev mode (spec/core.md 6.7): in-memory storage, initialised with one share and unsealed, a
 * root token (optionally with a chosen id), KV v2 at secret/.
 */
import type { ServerConfig } from '../config/types.ts';
import { initDev } from '../core/init.ts';
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
