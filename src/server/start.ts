/**
 * Assembles a running Keep server from a config: storage, seal, core with the built-in engines,
 * the HTTP listeners, and a clean shutdown (drain requests, stop background work, close storage).
 */
import { readFile } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import { parseStaticKey } from '../barrier/seal.ts';
import type { ServerConfig } from '../config/types.ts';
import { Core, type SealConfig } from '../core/core.ts';
import { builtinEngines } from '../engines/index.ts';
import type { Logger } from '../framework/types.ts';
import { buildApp } from '../http/app.ts';
import { MemoryPhysical } from '../storage/memory.ts';
import type { Physical } from '../storage/physical.ts';
import { openSqlite } from '../storage/sqlite.ts';

export interface RunningServer {
  core: Core;
  apps: FastifyInstance[];
  /** Listen addresses as URLs (`http://127.0.0.1:8200`). */
  addresses: string[];
  close(): Promise<void>;
}

function openStorage(config: ServerConfig): Physical {
  if (config.storage.type === 'sqlite') return openSqlite(config.storage.path);
  return new MemoryPhysical();
}

function sealOf(config: ServerConfig): SealConfig {
  if (config.seal.type === 'static') {
    const s = config.seal;
    return {
      type: 'static',
      key: parseStaticKey(s.key),
      keyId: s.keyId,
      previousKey: s.previousKey ? parseStaticKey(s.previousKey) : undefined,
      previousKeyId: s.previousKeyId,
    };
  }
  return { type: 'shamir' };
}

function splitAddress(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(':');
  if (i < 0) throw new Error(`listener address "${address}" must be host:port`);
  const host = address.slice(0, i).replace(/^\[|\]$/g, '');
  const port = Number(address.slice(i + 1));
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`listener address "${address}" has an invalid port`);
  return { host, port };
}

export async function startServer(config: ServerConfig, logger: Logger): Promise<RunningServer> {
  const physical = openStorage(config);
  const core = new Core({
    physical,
    seal: sealOf(config),
    engines: builtinEngines(),
    logger,
    defaultLeaseTTL: config.defaultLeaseTTL,
    maxLeaseTTL: config.maxLeaseTTL,
    clusterName: config.clusterName,
  });
  await core.start();

  const apps: FastifyInstance[] = [];
  const addresses: string[] = [];
  try {
    for (const l of config.listeners) {
      let https: { key: Buffer; cert: Buffer } | undefined;
      if (!l.tlsDisable) {
        if (!l.tlsCertFile || !l.tlsKeyFile) {
          throw new Error(`listener "${l.address}": tls_cert_file and tls_key_file are required unless tls_disable = true`);
        }
        https = { cert: await readFile(l.tlsCertFile), key: await readFile(l.tlsKeyFile) };
      }
      const app = buildApp(core, {
        https,
        bodyLimit: l.maxRequestSize,
        onInternalError: (err) =>
          logger.error('internal error while serving a request', {
            error: err instanceof Error ? err.message : String(err),
            stack: err instanceof Error ? err.stack : undefined,
          }),
      });
      const { host, port } = splitAddress(l.address);
      await app.listen({ host, port });
      const addr = app.server.address();
      const actualPort = typeof addr === 'object' && addr ? addr.port : port;
      const shownHost = host.includes(':') ? `[${host}]` : host;
      addresses.push(`${https ? 'https' : 'http'}://${shownHost}:${actualPort}`);
      apps.push(app);
    }
  } catch (e) {
    for (const app of apps) await app.close();
    await core.close();
    throw e;
  }

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      for (const app of apps) await app.close();
      await core.close();
    })();
    return closing;
  };
  return { core, apps, addresses, close };
}
