/**
 * `keep kv get | put | patch | list | delete | undelete | destroy` with the Vault CLI's mount and
 * version detection (spec/core.md 4.3). Metadata subcommands are in kv-metadata.ts.
 */
import type { KvResult } from '../../client/kv.ts';
import type { SecretResponse } from '../../client/types.ts';
import { EXIT_OK, EXIT_REMOTE, FIELD_FLAG, FORMAT_FLAG, expectArgs } from '../context.ts';
import type { CommandContext } from '../context.ts';
import type { FlagSpec } from '../flags.ts';
import { UsageError } from '../flags.ts';
import { headerForMap, mapTable, pathHeader, warningsText } from '../format.ts';
import { parseKvArgs } from '../kvargs.ts';
import type { Command } from '../registry.ts';

/** `-mount`: the mount path; the argument is then the key inside it. */
export const MOUNT_FLAG: FlagSpec = { name: 'mount', type: 'string', usage: 'Mount path of the KV engine; the argument is then the key inside it.' };

const VERSIONS_FLAG: FlagSpec = { name: 'versions', type: 'list', usage: 'Versions to act on (comma-separated or repeated).' };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `-versions=1,2 -versions=3` -> `['1','2','3']`. */
export function parseVersions(items: string[]): string[] {
  return items.flatMap((s) => s.split(',')).map((s) => s.trim()).filter((s) => s !== '');
}

function mountOpt(ctx: CommandContext): { mount?: string } {
  const m = ctx.flags.str('mount');
  return m ? { mount: m } : {};
}

/** Table output of a v2 write (`== Secret Path ==` + metadata), as `kv put`/`kv patch` print it. */
function printWriteResult(ctx: CommandContext, res: KvResult): number {
  const secret = res.secret;
  if (!secret) {
    if (ctx.format === 'table') ctx.out(`Success! Data written to: ${res.path}`);
    return EXIT_OK;
  }
  const field = ctx.flags.str('field');
  if (field) return ctx.printField(secret, field);
  if (ctx.format !== 'table' || secret.wrap_info) return ctx.printSecret(secret);
  const w = warningsText(secret.warnings);
  if (w) ctx.err(w);
  const meta = isObject(secret.data) ? secret.data : {};
  ctx.out(pathHeader('Secret Path', res.path));
  ctx.out(headerForMap('Metadata', meta));
  ctx.out(mapTable(meta));
  return EXIT_OK;
}

/** Prints a `kv get` answer: path header (v2), metadata section, data section. */
function printGetResult(ctx: CommandContext, res: KvResult, secret: SecretResponse): number {
  const field = ctx.flags.str('field');
  if (field) {
    // A wrapped answer has no data: its fields are the wrapping token's (wrapping_token, ...).
    if (res.version !== 2 || secret.wrap_info) return ctx.printField(secret, field);
    const data = secret.data?.data;
    if (!isObject(data)) {
      ctx.err(`No data found at ${res.path}`);
      return EXIT_REMOTE;
    }
    if (field === 'data' && !('data' in data)) return ctx.printField(secret, field);
    return ctx.printField(data, field, false);
  }
  if (secret.wrap_info || ctx.format !== 'table') return ctx.printSecret(secret);
  const w = warningsText(secret.warnings);
  if (w) ctx.err(w);
  if (res.version === 2) ctx.out(pathHeader('Secret Path', res.path));
  const meta = secret.data?.metadata;
  if (isObject(meta)) {
    ctx.out(headerForMap('Metadata', meta));
    ctx.out(`${mapTable(meta)}\n`);
  }
  let data: Record<string, unknown> | null = isObject(secret.data) ? secret.data : null;
  if (res.version === 2) data = isObject(secret.data?.data) ? (secret.data.data as Record<string, unknown>) : null;
  if (data) {
    ctx.out(headerForMap('Data', data));
    const t = mapTable(data);
    if (t) ctx.out(t);
  }
  return EXIT_OK;
}

const get: Command = {
  name: 'kv get',
  synopsis: 'Read a KV secret (v1 or v2)',
  usage: '[options] KEY',
  flags: [FORMAT_FLAG, FIELD_FLAG, MOUNT_FLAG, { name: 'version', type: 'int', usage: 'Version to read (v2).' }],
  async run(ctx, args) {
    expectArgs(args, 1);
    const client = await ctx.client();
    let res: KvResult;
    try {
      res = await client.kv.get(args[0], { ...mountOpt(ctx), version: ctx.flags.int('version') });
    } catch (e) {
      return ctx.fail(`Error reading ${args[0]}`, e);
    }
    if (!res.secret) {
      ctx.err(`No value found at ${res.path}`);
      return EXIT_REMOTE;
    }
    return printGetResult(ctx, res, res.secret);
  },
};

async function putLike(ctx: CommandContext, args: string[], kind: 'put' | 'patch'): Promise<number> {
  if (args.length < 1) throw new UsageError('Not enough arguments (expected >1, got 0)');
  const data = await parseKvArgs(args.slice(1), ctx.io);
  if (kind === 'patch') for (const k of ctx.flags.list('remove')) data[k] = null;
  if (Object.keys(data).length === 0) throw new UsageError('Must supply data');
  const cas = ctx.flags.int('cas');
  const opts = { ...mountOpt(ctx), ...(cas !== undefined && cas >= 0 ? { cas } : {}) };
  const client = await ctx.client();
  let res: KvResult;
  try {
    if (kind === 'put') res = await client.kv.put(args[0], data, opts);
    else {
      const method = ctx.flags.str('method');
      if (method !== undefined && method !== '' && method !== 'patch' && method !== 'rw') {
        throw new UsageError(`Unsupported method provided to -method flag: ${method}`);
      }
      res = await client.kv.patch(args[0], data, { ...opts, ...(method ? { method } : {}) });
    }
  } catch (e) {
    return ctx.fail(`Error writing data to ${args[0]}`, e);
  }
  return printWriteResult(ctx, res);
}

const put: Command = {
  name: 'kv put',
  synopsis: 'Write a KV secret (v2: a new version)',
  usage: '[options] KEY [K=V...]',
  flags: [FORMAT_FLAG, FIELD_FLAG, MOUNT_FLAG, { name: 'cas', type: 'int', usage: 'Check-and-set: the current version the key must have (v2).' }],
  run: (ctx, args) => putLike(ctx, args, 'put'),
};

const patch: Command = {
  name: 'kv patch',
  synopsis: 'Merge fields into a KV v2 secret',
  usage: '[options] KEY [K=V...]',
  help: 'Sends PATCH; on 403/405 (and no -method) falls back to read + put with check-and-set.',
  flags: [
    FORMAT_FLAG,
    FIELD_FLAG,
    MOUNT_FLAG,
    { name: 'cas', type: 'int', usage: 'Check-and-set version.' },
    { name: 'method', type: 'string', usage: 'patch (HTTP PATCH only) or rw (read then write).' },
    { name: 'remove', type: 'list', usage: 'Key to remove from the secret.' },
  ],
  run: (ctx, args) => putLike(ctx, args, 'patch'),
};

const list: Command = {
  name: 'kv list',
  synopsis: 'List the keys under a KV path',
  usage: '[options] PATH',
  flags: [FORMAT_FLAG, MOUNT_FLAG],
  async run(ctx, args) {
    expectArgs(args, 1);
    const client = await ctx.client();
    try {
      const res = await client.kv.list(args[0], mountOpt(ctx));
      if (res.secret?.wrap_info) return ctx.printSecret(res.secret);
      if (!res.keys || res.keys.length === 0) {
        const w = warningsText(res.secret?.warnings);
        if (w) ctx.err(w);
        ctx.err(`No value found at ${res.path}`);
        return EXIT_REMOTE;
      }
      return ctx.printList(res.keys, res.secret);
    } catch (e) {
      return ctx.fail(`Error listing ${args[0]}`, e);
    }
  },
};

const del: Command = {
  name: 'kv delete',
  synopsis: 'Delete a KV secret (v2: soft-delete the current version or -versions)',
  usage: '[options] KEY',
  flags: [MOUNT_FLAG, VERSIONS_FLAG],
  async run(ctx, args) {
    expectArgs(args, 1);
    const client = await ctx.client();
    try {
      const res = await client.kv.delete(args[0], { ...mountOpt(ctx), versions: parseVersions(ctx.flags.list('versions')) });
      if (res.secret) return ctx.printSecret(res.secret);
      if (ctx.format === 'table') ctx.out(`Success! Data deleted (if it existed) at: ${res.path}`);
      return EXIT_OK;
    } catch (e) {
      return ctx.fail(`Error deleting ${args[0]}`, e);
    }
  },
};

function versionsCommand(op: 'undelete' | 'destroy', synopsis: string): Command {
  return {
    name: `kv ${op}`,
    synopsis,
    usage: '[options] KEY',
    flags: [MOUNT_FLAG, VERSIONS_FLAG],
    async run(ctx, args) {
      const versions = parseVersions(ctx.flags.list('versions'));
      if (versions.length === 0) throw new UsageError(`No versions provided, use the "-versions" flag to specify the version to ${op}.`);
      expectArgs(args, 1);
      const client = await ctx.client();
      try {
        const res = op === 'undelete' ? await client.kv.undelete(args[0], versions, mountOpt(ctx)) : await client.kv.destroy(args[0], versions, mountOpt(ctx));
        if (res.secret) return ctx.printSecret(res.secret);
        ctx.out(`Success! Data written to: ${res.path}`);
        return EXIT_OK;
      } catch (e) {
        return ctx.fail(`Error writing data to ${args[0]}`, e);
      }
    },
  };
}

export const kvCommands: Command[] = [
  get,
  put,
  patch,
  list,
  del,
  versionsCommand('undelete', 'Undelete versions of a KV v2 secret'),
  versionsCommand('destroy', 'Permanently destroy versions of a KV v2 secret'),
];
