/**
 * `keep ci login|secrets|exec|revoke`: the CI runner (src/ci) on the command line, with Vault-style
 * single-dash flags. The address comes from -address, KEEP_ADDR or VAULT_ADDR.
 */
import { CiError } from '../../ci/errors.ts';
import { processCiEnv } from '../../ci/env.ts';
import type { CiEnv } from '../../ci/env.ts';
import { ciExec, ciLogin, ciRevoke, ciSecrets } from '../../ci/commands.ts';
import type { CiOptions } from '../../ci/commands.ts';
import { CI_PLATFORMS } from '../../ci/platform.ts';
import type { ExportFormat } from '../../ci/export/index.ts';
import { parseBool, UsageError } from '../flags.ts';
import type { FlagSpec } from '../flags.ts';
import { EXIT_OK, expectArgs } from '../context.ts';
import type { CommandContext } from '../context.ts';
import type { Command } from '../registry.ts';

const ROLE: FlagSpec = { name: 'role', type: 'string', usage: 'JWT role to log in with (empty: the mount\'s default_role).' };
const MOUNT: FlagSpec = { name: 'mount', type: 'string', usage: 'Path of the JWT auth method (vault-action: path).', default: 'jwt', aliases: ['path'] };
const AUDIENCE: FlagSpec = { name: 'audience', type: 'string', usage: 'Audience to request for the job token (GitHub, Buildkite, CircleCI CLI).' };
const JWT_ENV: FlagSpec = { name: 'jwt-env', type: 'string', usage: 'Variable holding the job token (e.g. the GitLab id_tokens name). Default: the platform\'s.' };
const PLATFORM: FlagSpec = { name: 'platform', type: 'string', usage: `Act as this platform instead of detecting it (env KEEP_CI_PLATFORM): ${CI_PLATFORMS.join(', ')}.` };
const SECRETS: FlagSpec = { name: 'secrets', type: 'string', usage: 'Secrets to read, in vault-action syntax: "path key | NAME ; ..." (* and ** for every key).' };
const IGNORE: FlagSpec = { name: 'ignore-not-found', type: 'bool', usage: 'Skip a missing secret or key (with a message) instead of failing.' };
const EXPORT_TOKEN: FlagSpec = { name: 'export-token', type: 'bool', usage: 'Also hand the Keep token on as KEEP_TOKEN and VAULT_TOKEN.' };
const FORMAT: FlagSpec = { name: 'format', type: 'string', usage: 'auto (the platform\'s own way), env, dotenv, json or shell (printed on stdout).', default: 'auto' };
const EXPORT_ENV: FlagSpec = { name: 'export-env', type: 'bool', usage: 'Hand secrets to later steps\' environments (-export-env=false: GitHub outputs and masks only).', default: true };

const PLATFORM_HELP =
  'Platform detection: GITHUB_ACTIONS, GITLAB_CI, CIRCLECI, BUILDKITE, BITBUCKET_BUILD_NUMBER, TF_BUILD,\n' +
  'JENKINS_URL + BUILD_NUMBER; else generic. The job token: -jwt-env, KEEP_JWT, KEEP_JWT_FILE, else the\n' +
  'platform\'s (GitHub ID token request, GitLab KEEP_ID_TOKEN/VAULT_ID_TOKEN, CircleCI\n' +
  'CIRCLE_OIDC_TOKEN_V2/CIRCLE_OIDC_TOKEN, buildkite-agent oidc request-token, BITBUCKET_STEP_OIDC_TOKEN).';

function ciEnvOf(ctx: CommandContext): CiEnv {
  return processCiEnv({
    env: ctx.io.env,
    stdout: (t) => void ctx.io.stdout.write(t),
    stderr: (t) => void ctx.io.stderr.write(t),
  });
}

function options(ctx: CommandContext): CiOptions {
  const f = ctx.flags;
  const addr = f.str('address') || ctx.env('KEEP_ADDR', 'VAULT_ADDR');
  if (!addr) throw new CiError('no Keep address: set KEEP_ADDR (or VAULT_ADDR), or pass -address');
  const skip = f.has('tls-skip-verify') ? f.bool('tls-skip-verify') : parseBool(ctx.env('KEEP_SKIP_VERIFY', 'VAULT_SKIP_VERIFY') ?? 'false') === true;
  const o: CiOptions = {
    addr,
    role: f.str('role') ?? '',
    mount: f.str('mount') || 'jwt',
    caCert: f.str('ca-cert') || ctx.env('KEEP_CACERT', 'VAULT_CACERT'),
    tlsSkipVerify: skip,
  };
  const pick = (flag: string): string | undefined => (f.has(flag) ? f.str(flag) : undefined) || undefined;
  o.audience = pick('audience');
  o.jwtEnv = pick('jwt-env');
  o.platform = pick('platform');
  o.namespace = pick('namespace');
  if (f.has('secrets')) o.secrets = f.str('secrets');
  if (f.has('format')) o.format = (f.str('format') || 'auto') as ExportFormat;
  if (f.has('ignore-not-found')) o.ignoreNotFound = f.bool('ignore-not-found');
  if (f.has('export-token')) o.exportToken = f.bool('export-token');
  if (f.has('export-env')) o.exportEnv = f.bool('export-env');
  return o;
}

/** Runs a ci command: a CiError prints `Error: <message>` and ends with its exit code. */
async function guarded(ctx: CommandContext, fn: () => Promise<number>): Promise<number> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof CiError) {
      ctx.err(`Error: ${e.message}`);
      return e.exitCode;
    }
    if (e instanceof UsageError) throw e;
    return ctx.fail('Error', e);
  }
}

const login: Command = {
  name: 'ci login',
  synopsis: 'Log a CI job in with its platform token; later steps get the token',
  usage: '-role=R [options]',
  help:
    'Logs in at auth/<mount>/login with the job\'s identity token and hands the Keep token to later\n' +
    'steps the platform\'s way (masked first): GitHub GITHUB_ENV, CircleCI BASH_ENV, Buildkite\n' +
    '"buildkite-agent env set", elsewhere export lines on stdout (eval "$(keep ci login ...)").\n' +
    'It travels as KEEP_TOKEN and VAULT_TOKEN, with KEEP_CI_ROLE beside it; "keep ci revoke" revokes it.\n\n' +
    PLATFORM_HELP,
  flags: [ROLE, MOUNT, AUDIENCE, JWT_ENV, PLATFORM],
  run: (ctx, args) =>
    guarded(ctx, async () => {
      expectArgs(args, 0);
      await ciLogin(ciEnvOf(ctx), options(ctx));
      return EXIT_OK;
    }),
};

const secrets: Command = {
  name: 'ci secrets',
  synopsis: 'Read secrets for a CI job and export them the platform\'s way',
  usage: '-role=R -secrets=SPEC [options]',
  help:
    'Logs in if needed (a token from "keep ci login" for the same role is reused), reads every\n' +
    'secret of SPEC (vault-action syntax: "secret/data/app db_password | DB_PASSWORD ; ..."; KV v2\n' +
    'data.data is unwrapped; * and ** take every key) and exports them. Every value is masked\n' +
    'before anything else is printed. -format auto: GitHub GITHUB_ENV and GITHUB_OUTPUT, CircleCI\n' +
    'BASH_ENV, Buildkite "buildkite-agent env set", Azure task variables, elsewhere export lines on\n' +
    'stdout for eval. -format env|dotenv|json|shell prints them on stdout instead.\n\n' +
    PLATFORM_HELP,
  flags: [ROLE, MOUNT, AUDIENCE, JWT_ENV, PLATFORM, SECRETS, FORMAT, IGNORE, EXPORT_TOKEN, EXPORT_ENV],
  run: (ctx, args) =>
    guarded(ctx, async () => {
      expectArgs(args, 0);
      if (!ctx.flags.has('secrets')) throw new UsageError('-secrets is required');
      await ciSecrets(ciEnvOf(ctx), options(ctx));
      return EXIT_OK;
    }),
};

const exec: Command = {
  name: 'ci exec',
  synopsis: 'Run a command with secrets in its environment, then revoke the token',
  usage: '-role=R -secrets=SPEC [options] -- CMD [ARGS...]',
  help:
    'Logs in, reads SPEC, masks the values, and runs CMD with them in its environment only (nothing\n' +
    'is written to disk). SIGINT, SIGTERM and SIGHUP are passed on to CMD. When CMD ends (success,\n' +
    'failure or killed) the token is revoked, and with it its leases. Exits with CMD\'s exit code\n' +
    '(128 + the signal number when CMD was killed).\n\n' +
    PLATFORM_HELP,
  flags: [ROLE, MOUNT, AUDIENCE, JWT_ENV, PLATFORM, SECRETS, IGNORE, EXPORT_TOKEN],
  run: (ctx, args) =>
    guarded(ctx, async () => {
      if (args.length === 0) throw new UsageError('a command is required: keep ci exec [options] -- CMD [ARGS...]');
      return ciExec(ciEnvOf(ctx), options(ctx), args);
    }),
};

const revoke: Command = {
  name: 'ci revoke',
  synopsis: 'Revoke the token keep ci login (or secrets -export-token) left for the job',
  usage: '[options]',
  help:
    'Revokes (with its leases) the token a previous "keep ci login" or "keep ci secrets -export-token"\n' +
    'handed to this step (KEEP_TOKEN marked by KEEP_CI_ROLE, or an action\'s saved state), and clears\n' +
    'the variables for later steps where the platform allows. Finding none is not an error.',
  flags: [PLATFORM],
  run: (ctx, args) =>
    guarded(ctx, async () => {
      expectArgs(args, 0);
      const o = options(ctx);
      await ciRevoke(ciEnvOf(ctx), o);
      return EXIT_OK;
    }),
};

export const ciCommands: Command[] = [login, secrets, exec, revoke];
