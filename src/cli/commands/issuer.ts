/**
 * `keep issuer serve|token|rotate`: the development OIDC issuer that imitates every CI platform's
 * job tokens (src/issuer). `token` asks a running issuer over HTTP, so its tokens are signed by
 * the keys the server trusts.
 */
import { DEFAULT_ISSUER_ADDR, IssuerClient } from '../../issuer/client.ts';
import { PLATFORMS, isPlatform, unknownPlatformMessage } from '../../issuer/platforms.ts';
import type { MintRequest } from '../../issuer/client.ts';
import { EXIT_LOCAL, EXIT_OK, EXIT_REMOTE, FORMAT_FLAG, expectArgs } from '../context.ts';
import type { CommandContext } from '../context.ts';
import { UsageError } from '../flags.ts';
import type { Command } from '../registry.ts';

const ISSUER_FLAG = {
  name: 'issuer',
  type: 'string' as const,
  usage: `Address of the running dev issuer (env KEEP_ISSUER_ADDR; default ${DEFAULT_ISSUER_ADDR}).`,
};

function issuerClient(ctx: CommandContext): IssuerClient {
  return new IssuerClient(ctx.flags.str('issuer') || ctx.env('KEEP_ISSUER_ADDR') || DEFAULT_ISSUER_ADDR);
}

function checkPlatformFlag(value: string | undefined, required: boolean): string | undefined {
  if (!value) {
    if (required) throw new UsageError(`-platform is required; valid platforms: ${PLATFORMS.join(', ')}`);
    return undefined;
  }
  if (!isPlatform(value)) throw new UsageError(unknownPlatformMessage(value));
  return value;
}

/** The lines `issuer serve` prints at start (no secrets but the dev request token). */
export function serveBanner(info: { baseUrl: string; issuers: Record<string, string>; actionsTokenUrl: string; requestToken: string; busyAddress?: string }): string {
  const lines: string[] = [];
  if (info.busyAddress) lines.push(`Note: ${info.busyAddress} was busy; listening on ${info.baseUrl} instead.`, '');
  lines.push('==> Keep dev OIDC issuer (development only: anyone on this machine can mint tokens)', '');
  lines.push(`    Base URL: ${info.baseUrl}`, '', '    Issuers (discovery at <issuer>/.well-known/openid-configuration):');
  const width = Math.max(...Object.keys(info.issuers).map((p) => p.length));
  for (const [p, url] of Object.entries(info.issuers)) lines.push(`      ${p.padEnd(width)}  ${url}`);
  lines.push(
    '',
    '    GitHub Actions-style token request (a job would have these):',
    `      export ACTIONS_ID_TOKEN_REQUEST_URL='${info.actionsTokenUrl}'`,
    `      export ACTIONS_ID_TOKEN_REQUEST_TOKEN='${info.requestToken}'`,
    '',
    '    Mint a token:  keep issuer token -platform=github -aud=<audience> [-claim ref=refs/heads/x]',
    `    (set KEEP_ISSUER_ADDR='${info.baseUrl}' if not the default address)`,
    '',
  );
  return lines.join('\n');
}

const serve: Command = {
  name: 'issuer serve',
  synopsis: 'Run the development OIDC issuer (every CI platform)',
  usage: '[options]',
  help:
    'Serves, per platform (github, gitlab, circleci, buildkite, bitbucket, azure, jenkins, gcb,\n' +
    'kubernetes), an issuer at <base>/<platform> with discovery and JWKS, and mints tokens shaped\n' +
    'like the platform\'s. Runs until interrupted. For development and tests only.',
  flags: [
    { name: 'listen', type: 'string', usage: 'host:port to listen on.', default: '127.0.0.1:8300' },
    { name: 'request-token', type: 'string', usage: 'GitHub request bearer token to require (default: random).' },
  ],
  async run(ctx, args) {
    expectArgs(args, 0);
    const { startIssuerServer } = await import('../../issuer/server.ts');
    let running;
    try {
      running = await startIssuerServer({ listen: ctx.flags.str('listen') || '127.0.0.1:8300', requestToken: ctx.flags.str('request-token') || undefined });
    } catch (e) {
      ctx.err(`Error starting the dev issuer: ${(e as Error).message}`);
      return EXIT_LOCAL;
    }
    const { issuer } = running;
    ctx.out(
      serveBanner({
        baseUrl: running.baseUrl,
        issuers: Object.fromEntries(issuer.platforms.map((p) => [p, issuer.issuerUrl(p)])),
        actionsTokenUrl: issuer.actionsTokenUrl(),
        requestToken: running.requestToken,
      }),
    );
    await new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
    await running.close();
    return EXIT_OK;
  },
};

const token: Command = {
  name: 'issuer token',
  synopsis: 'Mint a CI job token from the running dev issuer',
  usage: '-platform=P [options]',
  help:
    'Prints a token minted by the dev issuer at -issuer for platform P, from that platform\'s\n' +
    'realistic claim set. -claim k=v overrides a claim (an existing claim keeps its type:\n' +
    'run_attempt=2 stays a string, build_number=7 stays a number; a new claim is JSON-typed when\n' +
    'it parses); -claim k:=<json> sets a raw JSON value. Derived claims follow (GitHub sub and\n' +
    'ref_type follow ref). Example:\n\n' +
    '    keep login -method=jwt role=demo jwt="$(keep issuer token -platform=github -aud=https://keep.example.com)"',
  flags: [
    ISSUER_FLAG,
    { name: 'platform', type: 'string', usage: `Platform: ${PLATFORMS.join(', ')}.` },
    { name: 'aud', type: 'list', usage: 'Audience (several give a list).' },
    { name: 'claim', type: 'list', usage: 'Claim override k=v or k:=<json>.' },
    { name: 'remove-claim', type: 'list', usage: 'Claim to leave out.' },
    { name: 'variant', type: 'string', usage: 'A named variant of the platform\'s claim set (e.g. pull_request, tag_push).' },
    { name: 'ttl', type: 'string', usage: 'Lifetime (e.g. 5m); default the platform\'s. Negative mints an expired token.' },
  ],
  async run(ctx, args) {
    expectArgs(args, 0);
    const platform = checkPlatformFlag(ctx.flags.str('platform'), true) as string;
    const req: MintRequest = {};
    const aud = ctx.flags.list('aud').filter((a) => a !== '');
    if (aud.length > 0) req.aud = aud.length === 1 ? aud[0] : aud;
    const claims = ctx.flags.list('claim');
    if (claims.length > 0) req.claim_args = claims;
    const remove = ctx.flags.list('remove-claim');
    if (remove.length > 0) req.remove = remove;
    const variant = ctx.flags.str('variant');
    if (variant) req.variant = variant;
    const ttl = ctx.flags.str('ttl');
    if (ttl) req.ttl = ttl;
    const client = issuerClient(ctx);
    try {
      ctx.out(await client.mint(platform, req));
      return EXIT_OK;
    } catch (e) {
      ctx.err(`Error minting a ${platform} token: ${(e as Error).message}`);
      return EXIT_REMOTE;
    }
  },
};

const rotate: Command = {
  name: 'issuer rotate',
  synopsis: 'Rotate the dev issuer\'s signing keys',
  usage: '[options]',
  help: 'New signing key for one platform (or all). The previous key stays published unless -drop-old.',
  flags: [
    ISSUER_FLAG,
    { name: 'platform', type: 'string', usage: 'Only this platform (default: all).' },
    FORMAT_FLAG,
    { name: 'drop-old', type: 'bool', usage: 'Stop publishing the previous key (tokens it signed stop verifying).' },
  ],
  async run(ctx, args) {
    expectArgs(args, 0);
    const platform = checkPlatformFlag(ctx.flags.str('platform'), false);
    try {
      const rotated = await issuerClient(ctx).rotate(platform, ctx.flags.bool('drop-old'));
      return ctx.printData(rotated);
    } catch (e) {
      ctx.err(`Error rotating keys: ${(e as Error).message}`);
      return EXIT_REMOTE;
    }
  },
};

export const issuerCommands: Command[] = [serve, token, rotate];
