/**
 * Registration of `keep server`: parses its flags (with Vault's environment fallbacks) and calls
 * `runServer` from server.ts, loaded only when this command runs.
 */
import { expectArgs } from '../context.ts';
import type { CommandContext } from '../context.ts';
import { UsageError } from '../flags.ts';
import type { Command } from '../registry.ts';

/** The options `runServer` receives. */
export interface ServerCommandOptions {
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

/** Builds the `runServer` options from flags and environment. @throws UsageError without -config or -dev. */
export function serverOptions(ctx: CommandContext): ServerCommandOptions {
  const f = ctx.flags;
  const opts: ServerCommandOptions = {
    dev: f.bool('dev'),
    devNoStoreToken: f.bool('dev-no-store-token'),
    devKvV1: f.bool('dev-kv-v1'),
    devDemo: f.bool('dev-demo'),
  };
  const config = f.str('config');
  if (config) opts.config = config;
  const rootId = f.str('dev-root-token-id') || ctx.env('KEEP_DEV_ROOT_TOKEN_ID', 'VAULT_DEV_ROOT_TOKEN_ID');
  if (rootId) opts.devRootTokenId = rootId;
  const listen = f.str('dev-listen-address') || ctx.env('KEEP_DEV_LISTEN_ADDRESS', 'VAULT_DEV_LISTEN_ADDRESS');
  if (listen) opts.devListenAddress = listen;
  const issuer = f.str('dev-issuer-address') || ctx.env('KEEP_DEV_ISSUER_ADDRESS');
  if (issuer) opts.devIssuerAddress = issuer;
  const level = f.str('log-level') || ctx.env('KEEP_LOG_LEVEL', 'VAULT_LOG_LEVEL');
  if (level) opts.logLevel = level;
  // Like Vault, the dev-mode variants imply -dev.
  if (opts.devDemo || opts.devKvV1) opts.dev = true;
  if (!opts.dev && !opts.config) throw new UsageError('Must specify at least one config path using -config');
  return opts;
}

const server: Command = {
  name: 'server',
  synopsis: 'Start a Keep server',
  usage: '[options]',
  help: 'Starts a server from a config file (-config), or an in-memory development server (-dev).',
  flags: [
    { name: 'config', type: 'string', usage: 'Path to the server config file (HCL or JSON).' },
    { name: 'dev', type: 'bool', usage: 'Development mode: in-memory, unsealed, root token printed.' },
    { name: 'dev-root-token-id', type: 'string', usage: 'Root token id in dev mode (env KEEP_DEV_ROOT_TOKEN_ID / VAULT_DEV_ROOT_TOKEN_ID).' },
    { name: 'dev-listen-address', type: 'string', usage: 'Listen address in dev mode (default 127.0.0.1:8200).' },
    { name: 'dev-issuer-address', type: 'string', usage: 'Listen address of the dev OIDC issuer in dev mode (env KEEP_DEV_ISSUER_ADDRESS; default 127.0.0.1:8300, another free port if busy).' },
    { name: 'dev-no-store-token', type: 'bool', usage: 'Do not store the dev root token in the token file.' },
    { name: 'dev-kv-v1', type: 'bool', usage: 'Mount secret/ as KV version 1 in dev mode.' },
    { name: 'dev-demo', type: 'bool', usage: 'Dev mode with demo data (implies -dev).' },
    { name: 'log-level', type: 'string', usage: 'Log level: trace, debug, info, warn, error.' },
  ],
  async run(ctx, args) {
    expectArgs(args, 0);
    const opts = serverOptions(ctx);
    const { runServer } = await import('./server.ts');
    return runServer(opts);
  },
};

export const serverCommands: Command[] = [server];
