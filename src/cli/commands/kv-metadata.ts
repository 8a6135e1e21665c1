/**
 * `keep kv metadata get | put | patch | delete` (KV v2 only).
 */
import type { KvResult } from '../../client/kv.ts';
import { EXIT_OK, EXIT_REMOTE, FORMAT_FLAG, expectArgs } from '../context.ts';
import type { CommandContext } from '../context.ts';
import type { FlagSpec } from '../flags.ts';
import { headerForMap, mapTable, pathHeader, warningsText } from '../format.ts';
import { parseStringPairs } from '../kvargs.ts';
import type { Command } from '../registry.ts';
import { MOUNT_FLAG } from './kv.ts';

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function mountOpt(ctx: CommandContext): { mount?: string } {
  const m = ctx.flags.str('mount');
  return m ? { mount: m } : {};
}

const WRITE_FLAGS: FlagSpec[] = [
  FORMAT_FLAG,
  MOUNT_FLAG,
  { name: 'max-versions', type: 'int', usage: 'Versions to keep per key (0 = mount setting).' },
  { name: 'cas-required', type: 'bool', usage: 'Require check-and-set on writes to this key.' },
  { name: 'delete-version-after', type: 'string', usage: 'Delete versions after this duration (0s = never).' },
  { name: 'custom-metadata', type: 'list', usage: 'Custom metadata entry K=V.' },
];

/** The metadata fields a `metadata put`/`patch` sends: only the flags that were given. */
export function metadataFields(ctx: CommandContext, patch: boolean): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  const max = ctx.flags.int('max-versions');
  if (ctx.flags.has('max-versions') && max !== undefined && max >= 0) body.max_versions = max;
  if (ctx.flags.has('cas-required')) body.cas_required = ctx.flags.bool('cas-required');
  if (ctx.flags.has('delete-version-after')) body.delete_version_after = ctx.flags.str('delete-version-after');
  const custom: Record<string, string | null> = parseStringPairs(ctx.flags.list('custom-metadata'), 'custom-metadata');
  if (patch) for (const k of ctx.flags.list('remove-custom-metadata')) custom[k] = null;
  if (Object.keys(custom).length > 0) body.custom_metadata = custom;
  return body;
}

function printMetadata(ctx: CommandContext, res: KvResult): number {
  const secret = res.secret;
  if (!secret) {
    ctx.err(`No value found at ${res.path}`);
    return EXIT_REMOTE;
  }
  if (ctx.format !== 'table') return ctx.printSecret(secret);
  const w = warningsText(secret.warnings);
  if (w) ctx.err(w);
  const data = isObject(secret.data) ? { ...secret.data } : {};
  const versions = isObject(data.versions) ? data.versions : {};
  delete data.versions;
  ctx.out(pathHeader('Metadata Path', res.path));
  ctx.out(headerForMap('Metadata', data));
  ctx.out(mapTable(data));
  const nums = Object.keys(versions).sort((a, b) => Number(a) - Number(b));
  for (const v of nums) {
    const vd = isObject(versions[v]) ? versions[v] : {};
    ctx.out(`\n${headerForMap(`Version ${v}`, vd)}`);
    ctx.out(mapTable(vd));
  }
  return EXIT_OK;
}

const get: Command = {
  name: 'kv metadata get',
  synopsis: 'Read the metadata and versions of a KV v2 key',
  usage: '[options] KEY',
  flags: [FORMAT_FLAG, MOUNT_FLAG],
  async run(ctx, args) {
    expectArgs(args, 1);
    const client = await ctx.client();
    try {
      return printMetadata(ctx, await client.kv.metadataGet(args[0], mountOpt(ctx)));
    } catch (e) {
      return ctx.fail(`Error reading ${args[0]}`, e);
    }
  },
};

function writeCommand(kind: 'put' | 'patch'): Command {
  const flags = kind === 'patch' ? [...WRITE_FLAGS, { name: 'remove-custom-metadata', type: 'list', usage: 'Custom metadata key to remove.' } satisfies FlagSpec] : WRITE_FLAGS;
  return {
    name: `kv metadata ${kind}`,
    synopsis: kind === 'put' ? 'Write the settings and custom metadata of a KV v2 key' : 'Patch the settings and custom metadata of a KV v2 key',
    usage: '[options] KEY',
    flags,
    async run(ctx, args) {
      expectArgs(args, 1);
      const body = metadataFields(ctx, kind === 'patch');
      const client = await ctx.client();
      try {
        const res = kind === 'put' ? await client.kv.metadataPut(args[0], body, mountOpt(ctx)) : await client.kv.metadataPatch(args[0], body, mountOpt(ctx));
        if (res.secret) return ctx.printSecret(res.secret);
        if (ctx.format === 'table') ctx.out(`Success! Data written to: ${res.path}`);
        return EXIT_OK;
      } catch (e) {
        return ctx.fail(`Error writing data to ${args[0]}`, e);
      }
    },
  };
}

const del: Command = {
  name: 'kv metadata delete',
  synopsis: 'Delete a KV v2 key with all its versions',
  usage: '[options] KEY',
  flags: [MOUNT_FLAG],
  async run(ctx, args) {
    expectArgs(args, 1);
    const client = await ctx.client();
    try {
      const res = await client.kv.metadataDelete(args[0], mountOpt(ctx));
      if (res.secret) return ctx.printSecret(res.secret);
      ctx.out(`Success! Data deleted (if it existed) at: ${res.path}`);
      return EXIT_OK;
    } catch (e) {
      return ctx.fail(`Error deleting ${args[0]}`, e);
    }
  },
};

export const kvMetadataCommands: Command[] = [get, writeCommand('put'), writeCommand('patch'), del];
