/**
 * `keep token create | lookup | renew | revoke | capabilities`.
 */
import type { SecretResponse, TokenCreateRequest } from '../../client/types.ts';
import { EXIT_OK, FIELD_FLAG, FORMAT_FLAG, expectArgs } from '../context.ts';
import type { CommandContext } from '../context.ts';
import { UsageError } from '../flags.ts';
import { parseStringPairs } from '../kvargs.ts';
import type { Command } from '../registry.ts';

/** A duration flag value as sent to the server: digits as seconds, other text as a duration string. */
export function durationValue(text: string): string | number {
  return /^\d+$/.test(text.trim()) ? Number(text.trim()) : text.trim();
}

/** The create request built from `token create` flags (only the flags that were given). */
export function tokenCreateRequest(ctx: CommandContext): TokenCreateRequest {
  const f = ctx.flags;
  const req: TokenCreateRequest = {};
  const policies = f.list('policy').flatMap((p) => p.split(',')).map((p) => p.trim()).filter((p) => p !== '');
  if (policies.length > 0) req.policies = policies;
  if (f.has('ttl')) req.ttl = durationValue(f.str('ttl') ?? '');
  if (f.has('explicit-max-ttl')) req.explicit_max_ttl = durationValue(f.str('explicit-max-ttl') ?? '');
  if (f.has('period')) req.period = durationValue(f.str('period') ?? '');
  if (f.has('display-name')) req.display_name = f.str('display-name');
  if (f.has('num-uses')) req.num_uses = f.int('num-uses');
  if (f.has('use-limit')) req.num_uses = f.int('use-limit');
  if (f.bool('no-default-policy')) req.no_default_policy = true;
  if (f.has('type')) req.type = f.str('type');
  if (f.has('renewable')) req.renewable = f.bool('renewable');
  if (f.has('id')) req.id = f.str('id');
  if (f.has('entity-alias')) req.entity_alias = f.str('entity-alias');
  if (f.bool('orphan')) req.no_parent = true;
  const meta = parseStringPairs(f.list('metadata'), 'metadata');
  if (Object.keys(meta).length > 0) req.meta = meta;
  return req;
}

const create: Command = {
  name: 'token create',
  synopsis: 'Create a token',
  usage: '[options]',
  flags: [
    FORMAT_FLAG,
    FIELD_FLAG,
    { name: 'policy', type: 'list', usage: 'Policy to attach (comma-separated allowed).' },
    { name: 'ttl', type: 'string', usage: 'Initial TTL (e.g. 30m, 1h).' },
    { name: 'explicit-max-ttl', type: 'string', usage: 'Hard lifetime cap.' },
    { name: 'period', type: 'string', usage: 'Renewal period of a periodic token.' },
    { name: 'orphan', type: 'bool', usage: 'Create a token without a parent (auth/token/create-orphan).' },
    { name: 'role', type: 'string', usage: 'Create through this token role (auth/token/create/<role>).' },
    { name: 'display-name', type: 'string', usage: 'Display name.' },
    { name: 'num-uses', type: 'int', usage: 'Number of uses (0 = unlimited).' },
    { name: 'use-limit', type: 'int', usage: 'Alias of -num-uses.' },
    { name: 'no-default-policy', type: 'bool', usage: 'Do not attach the default policy.' },
    { name: 'type', type: 'string', usage: 'Token type: service or batch.' },
    { name: 'metadata', type: 'list', usage: 'Metadata entry K=V.' },
    { name: 'renewable', type: 'bool', usage: 'Whether the token may be renewed.', default: true },
    { name: 'id', type: 'string', usage: 'Custom token id (root only).' },
    { name: 'entity-alias', type: 'string', usage: 'Entity alias (with -role).' },
  ],
  async run(ctx, args) {
    expectArgs(args, 0);
    const req = tokenCreateRequest(ctx);
    const role = ctx.flags.str('role');
    const orphan = ctx.flags.bool('orphan');
    const client = await ctx.client();
    let secret: SecretResponse;
    try {
      secret = await client.tokens.create(req, { role: role || undefined, orphan, wrapTTL: ctx.wrapTTL });
    } catch (e) {
      return ctx.fail('Error creating token', e);
    }
    return ctx.printSecretOrField(secret);
  },
};

const lookup: Command = {
  name: 'token lookup',
  synopsis: 'Show a token (default: the current one)',
  usage: '[options] [TOKEN | ACCESSOR]',
  flags: [FORMAT_FLAG, FIELD_FLAG, { name: 'accessor', type: 'bool', usage: 'The argument is an accessor.' }],
  async run(ctx, args) {
    expectArgs(args, 0, 1);
    const accessor = ctx.flags.bool('accessor');
    if (accessor && args.length === 0) throw new UsageError('Not enough arguments (expected 1, got 0)');
    const client = await ctx.client();
    let secret: SecretResponse;
    try {
      if (accessor) secret = await client.tokens.lookupAccessor(args[0]);
      else if (args.length === 1) secret = await client.tokens.lookup(args[0]);
      else secret = await client.tokens.lookupSelf();
    } catch (e) {
      return ctx.fail('Error looking up token', e);
    }
    return ctx.printSecretOrField(secret);
  },
};

const renew: Command = {
  name: 'token renew',
  synopsis: 'Renew a token (default: the current one)',
  usage: '[options] [TOKEN | ACCESSOR]',
  flags: [
    FORMAT_FLAG,
    FIELD_FLAG,
    { name: 'increment', type: 'string', usage: 'Requested new TTL from now (e.g. 1h).' },
    { name: 'accessor', type: 'bool', usage: 'The argument is an accessor.' },
  ],
  async run(ctx, args) {
    expectArgs(args, 0, 1);
    const inc = ctx.flags.has('increment') ? durationValue(ctx.flags.str('increment') ?? '') : undefined;
    const accessor = ctx.flags.bool('accessor');
    if (accessor && args.length === 0) throw new UsageError('Not enough arguments (expected 1, got 0)');
    const client = await ctx.client();
    let secret: SecretResponse;
    try {
      if (accessor) secret = await client.tokens.renewAccessor(args[0], inc);
      else if (args.length === 1) secret = await client.tokens.renew(args[0], inc);
      else secret = await client.tokens.renewSelf(inc);
    } catch (e) {
      return ctx.fail('Error renewing token', e);
    }
    return ctx.printSecretOrField(secret);
  },
};

const revoke: Command = {
  name: 'token revoke',
  synopsis: 'Revoke a token and its children',
  usage: '[options] [TOKEN | ACCESSOR]',
  flags: [
    { name: 'accessor', type: 'bool', usage: 'The argument is an accessor.' },
    { name: 'self', type: 'bool', usage: 'Revoke the current token.' },
    { name: 'mode', type: 'string', usage: '"" (token and children), "orphan" (children become orphans) or "path" (every token under a path prefix).' },
  ],
  async run(ctx, args) {
    const self = ctx.flags.bool('self');
    const accessor = ctx.flags.bool('accessor');
    const mode = ctx.flags.str('mode') ?? '';
    if (self) expectArgs(args, 0);
    else expectArgs(args, 1);
    if (!['', 'orphan', 'path'].includes(mode)) throw new UsageError(`Invalid mode: ${mode}`);
    if (accessor && mode !== '') throw new UsageError('Use of -mode is not supported with -accessor');
    if (self && (accessor || mode !== '')) throw new UsageError('Use of -self cannot be combined with -accessor or -mode');
    const client = await ctx.client();
    try {
      if (self) await client.tokens.revokeSelf();
      else if (accessor) await client.tokens.revokeAccessor(args[0]);
      else if (mode === 'orphan') await client.tokens.revokeOrphan(args[0]);
      else if (mode === 'path') await client.sys.leaseRevokePrefix(args[0]);
      else await client.tokens.revoke(args[0]);
    } catch (e) {
      return ctx.fail('Error revoking token', e);
    }
    ctx.out('Success! Revoked token (if it existed)');
    return EXIT_OK;
  },
};

const capabilities: Command = {
  name: 'token capabilities',
  synopsis: 'Show what a token may do on a path',
  usage: '[options] [TOKEN | ACCESSOR] PATH',
  flags: [FORMAT_FLAG, { name: 'accessor', type: 'bool', usage: 'The first argument is an accessor.' }],
  async run(ctx, args) {
    expectArgs(args, 1, 2);
    const accessor = ctx.flags.bool('accessor');
    if (accessor && args.length !== 2) throw new UsageError('Not enough arguments (expected 2, got 1)');
    const path = args[args.length - 1];
    const who = args.length === 2 ? (accessor ? { accessor: args[0] } : { token: args[0] }) : {};
    const client = await ctx.client();
    let caps: string[];
    try {
      caps = (await client.sys.capabilities([path], who))[path] ?? [];
    } catch (e) {
      return ctx.fail('Error listing capabilities', e);
    }
    caps = [...caps].sort();
    if (ctx.format !== 'table') return ctx.printData(caps);
    ctx.out(caps.join(', '));
    return EXIT_OK;
  },
};

export const tokenCommands: Command[] = [create, lookup, renew, revoke, capabilities];
