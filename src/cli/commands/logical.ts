/**
 * Generic path commands: `read`, `write`, `list`, `delete`, `patch`, `path-help`.
 */
import type { QueryValue } from '../../client/types.ts';
import { explainText } from '../explain-format.ts';
import { goString, warningsText } from '../format.ts';
import { EXIT_OK, EXIT_REMOTE, FIELD_FLAG, FORMAT_FLAG, expectArgs } from '../context.ts';
import type { CommandContext } from '../context.ts';
import { UsageError } from '../flags.ts';
import { parseKvArgs } from '../kvargs.ts';
import type { Command } from '../registry.ts';

/** Strips leading slashes (the CLI accepts `/secret/x`). */
export function cleanPath(p: string): string {
  return p.trim().replace(/^\/+/, '');
}

/** k=v data as query parameters (lists repeat the key). */
export function toQuery(data: Record<string, unknown>): Record<string, QueryValue> {
  const q: Record<string, QueryValue> = {};
  for (const [k, v] of Object.entries(data)) q[k] = Array.isArray(v) ? v.map((x) => goString(x)) : goString(v);
  return q;
}

async function writeLike(ctx: CommandContext, args: string[], method: 'write' | 'patch'): Promise<number> {
  if (args.length < 1) throw new UsageError(`Not enough arguments (expected 1+, got ${args.length})`);
  const path = cleanPath(args[0]);
  const data = await parseKvArgs(args.slice(1), ctx.io);
  if (Object.keys(data).length === 0 && !ctx.flags.bool('force') && method === 'write') {
    throw new UsageError('Must supply data or use -force');
  }
  const client = await ctx.client();
  let secret;
  try {
    secret = method === 'write' ? await client.write(path, data, { wrapTTL: ctx.wrapTTL }) : await client.patch(path, data, { wrapTTL: ctx.wrapTTL });
  } catch (e) {
    return ctx.fail(`Error writing data to ${path}`, e);
  }
  if (!secret) {
    if (ctx.format === 'table') ctx.out(`Success! Data written to: ${path}`);
    return EXIT_OK;
  }
  // `write auth/<mount>/explain`: a decision table per role instead of the raw map.
  if (method === 'write' && path.endsWith('/explain') && ctx.format === 'table' && !ctx.flags.str('field')) {
    const text = explainText(secret.data);
    if (text !== undefined) {
      const w = warningsText(secret.warnings);
      if (w) ctx.err(w);
      ctx.out(text);
      return EXIT_OK;
    }
  }
  return ctx.printSecretOrField(secret);
}

const read: Command = {
  name: 'read',
  synopsis: 'Read data at a path',
  usage: '[options] PATH [K=V...]',
  flags: [FORMAT_FLAG, FIELD_FLAG],
  async run(ctx, args) {
    if (args.length < 1) throw new UsageError(`Not enough arguments (expected 1, got 0)`);
    const path = cleanPath(args[0]);
    const query = toQuery(await parseKvArgs(args.slice(1), ctx.io));
    const client = await ctx.client();
    let secret;
    try {
      secret = await client.read(path, query, { wrapTTL: ctx.wrapTTL });
    } catch (e) {
      return ctx.fail(`Error reading ${path}`, e);
    }
    if (!secret) {
      ctx.err(`No value found at ${path}`);
      return EXIT_REMOTE;
    }
    return ctx.printSecretOrField(secret);
  },
};

const write: Command = {
  name: 'write',
  synopsis: 'Write data to a path',
  usage: '[options] PATH [K=V...]',
  help: 'Values: K=V, K=@file, K=- (stdin); "-" alone reads a JSON object from stdin.',
  flags: [FORMAT_FLAG, FIELD_FLAG, { name: 'force', aliases: ['f'], type: 'bool', usage: 'Allow writing with no data.' }],
  run: (ctx, args) => writeLike(ctx, args, 'write'),
};

const patch: Command = {
  name: 'patch',
  synopsis: 'Patch data at a path (JSON merge patch)',
  usage: '[options] PATH [K=V...]',
  flags: [FORMAT_FLAG, FIELD_FLAG],
  run: (ctx, args) => writeLike(ctx, args, 'patch'),
};

const list: Command = {
  name: 'list',
  synopsis: 'List the keys under a path',
  usage: '[options] PATH',
  flags: [FORMAT_FLAG],
  async run(ctx, args) {
    expectArgs(args, 1);
    const path = `${cleanPath(args[0]).replace(/\/+$/, '')}/`;
    const client = await ctx.client();
    let secret;
    try {
      secret = await client.list(path, { wrapTTL: ctx.wrapTTL });
    } catch (e) {
      return ctx.fail(`Error listing ${path}`, e);
    }
    if (secret?.wrap_info) return ctx.printSecret(secret);
    const keys = secret?.data?.keys;
    if (!secret || !Array.isArray(keys) || keys.length === 0) {
      const w = warningsText(secret?.warnings);
      if (w) ctx.err(w);
      ctx.err(`No value found at ${path}`);
      return EXIT_REMOTE;
    }
    return ctx.printList(keys, secret);
  },
};

const del: Command = {
  name: 'delete',
  synopsis: 'Delete data at a path',
  usage: '[options] PATH [K=V...]',
  flags: [FORMAT_FLAG, FIELD_FLAG],
  async run(ctx, args) {
    if (args.length < 1) throw new UsageError(`Not enough arguments (expected 1, got 0)`);
    const path = cleanPath(args[0]);
    const query = toQuery(await parseKvArgs(args.slice(1), ctx.io));
    const client = await ctx.client();
    let secret;
    try {
      secret = await client.delete(path, query, { wrapTTL: ctx.wrapTTL });
    } catch (e) {
      return ctx.fail(`Error deleting ${path}`, e);
    }
    if (!secret) {
      if (ctx.format === 'table') ctx.out(`Success! Data deleted (if it existed) at: ${path}`);
      return EXIT_OK;
    }
    return ctx.printSecretOrField(secret);
  },
};

const pathHelp: Command = {
  name: 'path-help',
  synopsis: 'Print the help of a path',
  usage: '[options] PATH',
  flags: [],
  async run(ctx, args) {
    expectArgs(args, 1);
    const path = cleanPath(args[0]);
    const client = await ctx.client();
    try {
      const res = await client.request('GET', path, { query: { help: '1' } });
      const body = res.body;
      const help = typeof body === 'object' && body !== null && 'help' in body ? body.help : undefined;
      if (typeof help !== 'string') {
        ctx.err(`No help available for ${path}`);
        return EXIT_REMOTE;
      }
      ctx.out(help);
      return EXIT_OK;
    } catch (e) {
      return ctx.fail('Error retrieving help', e);
    }
  },
};

export const logicalCommands: Command[] = [read, write, patch, list, del, pathHelp];
