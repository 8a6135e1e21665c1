/**
 * `keep server`: starts a server from a config file, or in dev mode (spec/core.md 6.7), and runs
 * until SIGTERM or SIGINT, which drain in-flight requests and close storage cleanly.
 */
import { homedir } from 'node:os';
import { loadConfig } from '../../config/index.ts';
import { runDemo } from '../../server/demo.ts';
import { devConfig, setupDev, setupDevIssuer } from '../../server/dev.ts';
import type { DevIssuerSetup } from '../../server/dev.ts';
import { createLogger, parseLogLevel } from '../../server/logger.ts';
import { startServer, type RunningServer } from '../../server/start.ts';
import { tokenFilePath, writeTokenFile } from '../token-file.ts';

/** Options of `keep server`. */
export interface RunServerOptions {
  config?: string;
  dev: boolean;
  devRootTokenId?: string;
  devListenAddress?: string;
  devIssuerAddress?: string;
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

  // The dev issuer (started below); a stop while it is starting closes it once it is up.
  let devIssuerStarting: Promise<DevIssuerSetup | undefined> | undefined;
  const stopped = new Promise<number>((resolve) => {
    const stop = (signal: string) => {
      logger.info('shutting down', { signal });
      Promise.all([server.close(), devIssuerStarting?.then((d) => d?.issuer.close())]).then(
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
    devIssuerStarting = setupDevIssuer(address, rootToken, { listen: opts.devIssuerAddress ?? '127.0.0.1:8300', kvV1: opts.devKvV1, demoData: opts.devDemo }).catch((e: unknown) => {
      err(`The dev OIDC issuer did not start: ${(e as Error).message}\n`);
      return undefined;
    });
    const devIssuer = await devIssuerStarting;
    out(devBanner(address, unsealKey, rootToken, opts.devKvV1, !opts.devNoStoreToken));
    if (devIssuer) out(devIssuerBanner(devIssuer));
    if (opts.devDemo) {
      try {
        const ci = devIssuer?.demo ? { issuerAddress: devIssuer.issuer.baseUrl, requestToken: devIssuer.issuer.requestToken, setup: devIssuer.demo } : undefined;
        await runDemo(address, rootToken, out, ci);
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

function devIssuerBanner(dev: DevIssuerSetup): string {
  const { issuer } = dev;
  const lines = ['==> Dev OIDC issuer (every CI platform; development only):', ''];
  if (issuer.busyAddress) lines.push(`    Note: ${issuer.busyAddress} was busy, so the issuer listens on ${issuer.baseUrl}.`, '');
  lines.push(`             Base URL: ${issuer.baseUrl}   (GitHub issuer: ${issuer.issuer.issuerUrl('github')})`);
  if (dev.demo) {
    const d = dev.demo;
    lines.push(
      `    Trusted by auth/${d.mount}/ as GitHub Actions; role "${d.role}" accepts aud ${d.audience},`,
      `    repository ${d.repository}, ref refs/heads/main (policy ${d.policy}, single-use job tokens);`,
      `    its tokens read secret/ci/${d.repository}/*.`,
    );
    for (const w of d.warnings) lines.push(`    role warning: ${w}`);
  } else if (dev.note) {
    lines.push(`    Note: ${dev.note}`);
  }
  lines.push('', '    $ export ACTIONS_ID_TOKEN_REQUEST_URL=' + `'${issuer.issuer.actionsTokenUrl()}'`, `    $ export ACTIONS_ID_TOKEN_REQUEST_TOKEN='${issuer.requestToken}'`);
  if (issuer.baseUrl !== 'http://127.0.0.1:8300') lines.push(`    $ export KEEP_ISSUER_ADDR='${issuer.baseUrl}'`);
  if (dev.demo) {
    lines.push(
      '',
      '    Log in as a CI job on main:',
      `    $ keep login -method=jwt role=${dev.demo.role} jwt="$(keep issuer token -platform=github -aud=${dev.demo.audience})"`,
    );
  }
  lines.push('', '');
  return lines.join('\n');
}
