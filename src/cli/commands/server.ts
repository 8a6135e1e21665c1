/**
 * `keep server`: starts a server from a config file, or in dev mode (spec/core.md 6.7), and runs
 * until SIGTERM or SIGINT, which drain in-flight requests and close storage cleanly.
 */
import { homedir } from 'node:os';
import { loadConfig } from '../../config/index.ts';
import { runDemo } from '../../server/demo.ts';
import { devConfig, setupDev } from '../../server/dev.ts';
import { createLogger, parseLogLevel } from '../../server/logger.ts';
import { startServer, type RunningServer } from '../../server/start.ts';
import { tokenFilePath, writeTokenFile } from '../token-file.ts';

/** Options of `keep server`. */
export interface RunServerOptions {
  config?: string;
  dev: boolean;
  devRootTokenId?: string;
  devListenAddress?: string;
  devNoStoreToken: boolean;
  devKvV1: boolean;
  devDemo: boolean;
  logLevel?: string;
}

const out = (s: string) => process.stdout.write(s);
const err = (s: string) => process.stderr.write(s);

/** Starts the server; resolves with the exit code when it stops. */
export async function runServer(opts: RunServerOptions): Promise<number> {
  let config;
  try {
    if (opts.dev) {
      config = devConfig(opts.devListenAddress ?? '127.0.0.1:8200', opts.logLevel ?? 'info');
    } else if (opts.config) {
      config = await loadConfig(opts.config);
    } else {
      err('A config file must be specified with -config=FILE, or use -dev for a development server.\n');
      return 2;
    }
  } catch (e) {
    err(`Error loading configuration: ${(e as Error).message}\n`);
    return 1;
  }
  let level;
  try {
    level = parseLogLevel(opts.logLevel ?? config.logLevel);
  } catch (e) {
    err(`${(e as Error).message}\n`);
    return 2;
  }
  const logger = createLogger(level);
  for (const w of config.warnings ?? []) logger.warn(w);

  let server: RunningServer;
  try {
    server = await startServer(config, logger);
  } catch (e) {
    err(`Error starting the server: ${(e as Error).message}\n`);
    return 1;
  }

  const stopped = new Promise<number>((resolve) => {
    const stop = (signal: string) => {
      logger.info('shutting down', { signal });
      server.close().then(
        () => resolve(0),
        (e: unknown) => {
          logger.error('shutdown failed', { error: (e as Error).message });
          resolve(1);
        },
      );
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });

  const address = server.addresses[0];
  if (opts.dev) {
    const { unsealKey, rootToken } = await setupDev(server, { rootTokenId: opts.devRootTokenId, kvV1: opts.devKvV1 });
    if (!opts.devNoStoreToken) await writeTokenFile(tokenFilePath(process.env, homedir()), rootToken);
    out(devBanner(address, unsealKey, rootToken, opts.devKvV1, !opts.devNoStoreToken));
    if (opts.devDemo) {
      try {
        await runDemo(address, rootToken, out);
      } catch (e) {
        err(`demo failed: ${(e as Error).message}\n`);
      }
    }
  } else {
    const status = await server.core.sealStatus();
    out(
      `==> Keep server started on ${server.addresses.join(', ')} (storage: ${config.storage.type}, seal: ${config.seal.type}, ` +
        `${status.initialized ? (status.sealed ? 'sealed' : 'unsealed') : 'not initialized'})\n`,
    );
  }
  logger.info('listening', { addresses: server.addresses });
  return stopped;
}

function devBanner(address: string, unsealKey: string, rootToken: string, kvV1: boolean, stored: boolean): string {
  return [
    '==> Keep server configuration:',
    '',
    `             Api Address: ${address}`,
    '                 Storage: inmem',
    `                 Version: Keep dev server (KV ${kvV1 ? 'v1' : 'v2'} at secret/)`,
    '',
    'WARNING! dev mode is enabled! In this mode, Keep runs entirely in-memory',
    'and starts unsealed with a single unseal key.',
    stored
      ? 'The root token is already authenticated to the CLI, so you can immediately begin using Keep.'
      : 'The root token was not stored for the CLI (-dev-no-store-token): set KEEP_TOKEN.',
    '',
    'You may need to set the following environment variables:',
    '',
    `    $ export KEEP_ADDR='${address}'`,
    '',
    'The unseal key and root token are displayed below in case you want to',
    'seal/unseal the Keep or re-authenticate.',
    '',
    `Unseal Key: ${unsealKey}`,
    `Root Token: ${rootToken}`,
    '',
    'Development mode should NOT be used in production installations!',
    '',
    '',
  ].join('\n');
}
