/**
 * `M/metadata/<key>` (spec/core.md 4.2): read and list key metadata, set the key-level settings
 * and `custom_metadata` (POST replaces, PATCH merges), delete a key with all its versions.
 */
import { badRequest } from '../../../errors.ts';
import { definePath } from '../../../framework/path.ts';
import { formatGoDuration } from '../../../framework/duration.ts';
import type { LogicalResponse, PathDef, RequestContext, ViewTxOp } from '../../../framework/types.ts';
import { isPlainObject } from '../json-values.ts';
import { checkKey } from '../passthrough.ts';
import { parseCustomMetadata, validateCustomMetadata } from './custom-metadata.ts';
import { emptyNotFound } from './raw.ts';
import type { V2State } from './state.ts';
import { getKeyMeta, META_PREFIX, metaKey, newKeyMeta, versionPrefix } from './store.ts';
import type { KeyMeta, MountConfig } from './store.ts';
import { rfc3339 } from './time.ts';

const fields = {
  path: { type: 'string', description: 'Location of the secret.' },
  max_versions: { type: 'int', description: 'The number of versions to keep (0 = the mount setting).' },
  cas_required: { type: 'bool', description: 'Require check-and-set on every write of this key.' },
  delete_version_after: { type: 'duration', description: 'Time after which a new version is deleted (0 clears).' },
  custom_metadata: { type: 'map', description: 'Version-agnostic key/value pairs describing the secret.' },
  exclude_deleted: {
    type: 'bool',
    description: 'List only keys whose current version has no deletion time.',
    query: true,
  },
} as const;

type Ctx = RequestContext<typeof fields>;

const SETTINGS = ['max_versions', 'cas_required', 'delete_version_after', 'custom_metadata'] as const;

export const CAS_IGNORED_WARNING =
  '"cas_required" set to false, but is mandated by backend config. This value will be ignored.';

function has(obj: Record<string, unknown>, name: string): boolean {
  return Object.prototype.hasOwnProperty.call(obj, name);
}

/** The request's `custom_metadata` map as parsed, or undefined when not given as an object. */
function requestCustomMetadata(ctx: Ctx): Record<string, unknown> | undefined {
  const raw = ctx.raw.custom_metadata;
  if (isPlainObject(raw)) return raw;
  return ctx.fields.custom_metadata ?? undefined;
}

function casWarning(ctx: Ctx, config: MountConfig): LogicalResponse | undefined {
  return ctx.fields.cas_required === false && config.cas_required ? { warnings: [CAS_IGNORED_WARNING] } : undefined;
}

function metadataView(meta: KeyMeta): Record<string, unknown> {
  const versions: Record<string, unknown> = {};
  for (const [n, vm] of Object.entries(meta.versions)) {
    versions[n] = { created_time: vm.created_time, deletion_time: vm.deletion_time, destroyed: vm.destroyed };
  }
  return {
    cas_required: meta.cas_required,
    created_time: meta.created_time,
    current_version: meta.current_version,
    custom_metadata: meta.custom_metadata,
    delete_version_after: formatGoDuration(meta.delete_version_after),
    max_versions: meta.max_versions,
    oldest_version: meta.oldest_version,
    updated_time: meta.updated_time,
    versions,
  };
}

/** Drops listed keys whose current version has a deletion time (even a future one). */
async function withoutDeleted(ctx: Ctx, prefix: string, keys: string[]): Promise<string[]> {
  const kept: string[] = [];
  for (const name of keys) {
    if (name.endsWith('/')) {
      kept.push(name);
      continue;
    }
    const meta = await getKeyMeta(ctx.storage, prefix + name);
    const current = meta?.versions[String(meta.current_version)];
    if (!current || current.deletion_time === '') kept.push(name);
  }
  return kept;
}

const emptyToNull = (m: Record<string, string>): Record<string, string> | null => (Object.keys(m).length > 0 ? m : null);

export function metadataPaths(state: V2State): PathDef[] {
  const read = async (ctx: Ctx): Promise<LogicalResponse | undefined> => {
    const meta = await getKeyMeta(ctx.storage, checkKey(ctx.fields.path ?? ''));
    return meta ? { data: metadataView(meta) } : undefined;
  };

  const list = async (ctx: Ctx): Promise<LogicalResponse | undefined> => {
    let prefix = checkKey(ctx.fields.path ?? '');
    if (prefix !== '' && !prefix.endsWith('/')) prefix += '/';
    let keys = await ctx.storage.list(META_PREFIX + prefix);
    if (ctx.fields.exclude_deleted === true) keys = await withoutDeleted(ctx, prefix, keys);
    return keys.length === 0 ? undefined : { data: { keys } };
  };

  const write = async (ctx: Ctx): Promise<LogicalResponse | undefined> => {
    const key = checkKey(ctx.fields.path ?? '');
    if (key === '') throw badRequest('missing path');
    const f = ctx.fields;
    const customRaw = requestCustomMetadata(ctx);
    if (f.max_versions === undefined && f.cas_required === undefined && f.delete_version_after === undefined && !customRaw) {
      return undefined;
    }
    const config = await state.config.get(ctx.storage);
    let custom: Record<string, string> | undefined;
    if (customRaw) {
      custom = parseCustomMetadata(customRaw, false).values;
      validateCustomMetadata(custom);
    }
    const response = casWarning(ctx, config);
    return state.lock.run(key, async () => {
      let meta = await getKeyMeta(ctx.storage, key);
      if (!meta) meta = newKeyMeta(key, rfc3339(state.now()));
      if (f.max_versions !== undefined) meta.max_versions = f.max_versions;
      if (f.cas_required !== undefined) meta.cas_required = f.cas_required;
      if (f.delete_version_after !== undefined) meta.delete_version_after = f.delete_version_after;
      if (custom) meta.custom_metadata = emptyToNull(custom);
      await ctx.storage.putJSON(metaKey(key), meta);
      return response;
    });
  };

  const patch = async (ctx: Ctx): Promise<LogicalResponse | undefined> => {
    const key = checkKey(ctx.fields.path ?? '');
    if (key === '') throw badRequest('missing path');
    const f = ctx.fields;
    const customRaw = requestCustomMetadata(ctx);
    const customPatch = customRaw ? parseCustomMetadata(customRaw, true) : undefined;
    if (customPatch) validateCustomMetadata(customPatch.values);
    const config = await state.config.get(ctx.storage);
    return state.lock.run(key, async () => {
      const meta = await getKeyMeta(ctx.storage, key);
      if (!meta) return emptyNotFound();
      const response = casWarning(ctx, config);
      // A JSON null removes a setting (merge-patch), i.e. resets it to its zero value.
      for (const name of SETTINGS) {
        if (!has(ctx.raw, name) || ctx.raw[name] !== null) continue;
        if (name === 'custom_metadata') meta.custom_metadata = null;
        else if (name === 'cas_required') meta.cas_required = false;
        else meta[name] = 0;
      }
      if (f.max_versions !== undefined) meta.max_versions = f.max_versions;
      if (f.cas_required !== undefined) meta.cas_required = f.cas_required;
      if (f.delete_version_after !== undefined) meta.delete_version_after = f.delete_version_after;
      if (customPatch) {
        const merged: Record<string, string> = { ...(meta.custom_metadata ?? {}) };
        for (const name of customPatch.removals) delete merged[name];
        Object.assign(merged, customPatch.values);
        validateCustomMetadata(merged);
        meta.custom_metadata = emptyToNull(merged);
      }
      await ctx.storage.putJSON(metaKey(key), meta);
      return response;
    });
  };

  const remove = async (ctx: Ctx): Promise<LogicalResponse | undefined> => {
    const key = checkKey(ctx.fields.path ?? '');
    return state.lock.run(key, async () => {
      const meta = await getKeyMeta(ctx.storage, key);
      if (!meta) return undefined;
      const prefix = versionPrefix(key);
      const ops: ViewTxOp[] = [];
      let after: string | undefined;
      for (;;) {
        const batch = await ctx.storage.scan(prefix, { after, limit: 256 });
        for (const entry of batch) ops.push({ op: 'delete', key: entry.key });
        if (batch.length < 256) break;
        after = batch[batch.length - 1].key;
      }
      ops.push({ op: 'delete', key: metaKey(key) });
      await ctx.storage.transaction(ops);
      return undefined;
    });
  };

  return [
    definePath({
      pattern: 'metadata/(?<path>.*)',
      fields,
      synopsis: 'Allows interaction with key metadata and settings in the KV store.',
      existenceCheck: async (ctx) => (await getKeyMeta(ctx.storage, checkKey(ctx.fields.path ?? ''))) !== undefined,
      operations: {
        read: { handler: read, summary: 'Read the key metadata and settings.' },
        list: { handler: list, summary: 'List keys under a prefix.' },
        create: { handler: write, summary: 'Set the key settings and custom metadata.' },
        update: { handler: write, summary: 'Set the key settings and custom metadata.' },
        patch: { handler: patch, summary: 'Merge-patch the key settings and custom metadata.' },
        delete: { handler: remove, summary: 'Delete the key and all its versions permanently.' },
      },
    }),
  ];
}
