/**
 * `M/data/<key>` (spec/core.md 4.2): read a version, write a new version (with check-and-set),
 * merge-patch the current version into a new one, soft-delete the current version.
 */
import { badRequest, internalError } from '../../../errors.ts';
import { definePath } from '../../../framework/path.ts';
import type { LogicalResponse, PathDef, RequestContext } from '../../../framework/types.ts';
import { decodeData, encodeData } from '../json-data.ts';
import { isPlainObject } from '../json-values.ts';
import { checkKey } from '../passthrough.ts';
import { checkCas } from './cas.ts';
import { mergePatch } from './merge-patch.ts';
import { emptyNotFound, rawEnvelope404 } from './raw.ts';
import type { V2State } from './state.ts';
import { getKeyMeta, metaKey, newKeyMeta, versionKey } from './store.ts';
import type { KeyMeta, VersionMeta } from './store.ts';
import { rfc3339 } from './time.ts';
import { addVersion, isGone, versionView } from './versioning.ts';

const fields = {
  path: { type: 'string', description: 'Location of the secret.' },
  version: { type: 'int', description: 'Version to read; 0 or absent = current.', query: true },
  options: { type: 'map', description: 'Write options: `cas` (check-and-set version).' },
  data: { type: 'map', description: 'The secret data.' },
} as const;

type Ctx = RequestContext<typeof fields>;

/** The request's `data` object as parsed (number literals intact), or undefined when absent. */
function requestData(ctx: Ctx): Record<string, unknown> | undefined {
  const raw = ctx.raw.data;
  if (isPlainObject(raw)) return raw;
  return ctx.fields.data ?? undefined;
}

/** What the existence check of a write leaves in ctx.memo: the metadata it read, and when. */
const MEMO_META = 'kv2.meta';
interface MetaMemo {
  key: string;
  /** state.lock.mark() taken before the read. */
  mark: number;
  meta: KeyMeta | undefined;
}

/**
 * The key's metadata as the existence check of this request read it, when no holder of the key's
 * lock has finished since (every metadata write holds it): call only while holding the lock.
 * Consumed once. undefined = not usable (read it again).
 */
function takeMemo(ctx: Ctx, state: V2State, key: string): { meta: KeyMeta | undefined } | undefined {
  const memo = ctx.memo?.get(MEMO_META) as MetaMemo | undefined;
  if (memo === undefined) return undefined;
  ctx.memo?.delete(MEMO_META);
  if (memo.key !== key || !state.lock.unchangedSince(key, memo.mark)) return undefined;
  return { meta: memo.meta };
}

function writeResponse(meta: KeyMeta, version: number, vm: VersionMeta): LogicalResponse {
  return { data: versionView(meta, version, vm) };
}

export function dataPaths(state: V2State): PathDef[] {
  const read = async (ctx: Ctx): Promise<LogicalResponse | undefined> => {
    const key = checkKey(ctx.fields.path ?? '');
    const meta = await getKeyMeta(ctx.storage, key);
    if (!meta) return undefined;
    const asked = ctx.fields.version ?? 0;
    const version = asked > 0 ? asked : meta.current_version;
    const vm = meta.versions[String(version)];
    if (!vm) return undefined;
    const metadata = versionView(meta, version, vm);
    if (isGone(vm, state.now())) return rawEnvelope404(ctx, { data: null, metadata });
    const bytes = await ctx.storage.get(versionKey(key, version));
    if (!bytes) return vanished(ctx, key, version);
    return { data: { data: decodeData(bytes), metadata } };
  };

  /** The version's data went away after its metadata was read (pruned or destroyed meanwhile). */
  const vanished = async (ctx: Ctx, key: string, version: number): Promise<LogicalResponse | undefined> => {
    const fresh = await getKeyMeta(ctx.storage, key);
    const vm = fresh?.versions[String(version)];
    if (!fresh || !vm) return undefined;
    if (isGone(vm, state.now())) return rawEnvelope404(ctx, { data: null, metadata: versionView(fresh, version, vm) });
    throw internalError('could not find version data');
  };

  const write = async (ctx: Ctx): Promise<LogicalResponse | undefined> => {
    const key = checkKey(ctx.fields.path ?? '');
    const data = requestData(ctx);
    if (!data) throw badRequest('no data provided');
    const bytes = encodeData(data);
    const config = await state.config.get(ctx.storage);
    return state.lock.run(key, async () => {
      const memo = takeMemo(ctx, state, key);
      const meta = (memo ? memo.meta : await getKeyMeta(ctx.storage, key)) ?? newKeyMeta(key);
      checkCas(ctx.raw.options ?? ctx.fields.options, config, meta);
      const added = addVersion(meta, config, bytes, state.now());
      await ctx.storage.transaction(added.ops);
      return writeResponse(meta, added.version, added.vm);
    });
  };

  const patch = async (ctx: Ctx): Promise<LogicalResponse | undefined> => {
    const key = checkKey(ctx.fields.path ?? '');
    const patchData = requestData(ctx);
    if (!patchData) throw badRequest('no data provided');
    return state.lock.run(key, async () => {
      const meta = await getKeyMeta(ctx.storage, key);
      if (!meta) return emptyNotFound();
      const config = await state.config.get(ctx.storage);
      checkCas(ctx.raw.options ?? ctx.fields.options, config, meta);
      const current = meta.current_version;
      const vm = meta.versions[String(current)];
      if (!vm) return emptyNotFound();
      const now = state.now();
      if (isGone(vm, now)) return rawEnvelope404(ctx, versionView(meta, current, vm));
      const bytes = await ctx.storage.get(versionKey(key, current));
      if (!bytes) throw internalError('could not find version data');
      const merged = mergePatch(decodeData(bytes), patchData);
      const added = addVersion(meta, config, encodeData(isPlainObject(merged) ? merged : {}), now);
      await ctx.storage.transaction(added.ops);
      return writeResponse(meta, added.version, added.vm);
    });
  };

  const softDelete = async (ctx: Ctx): Promise<LogicalResponse | undefined> => {
    const key = checkKey(ctx.fields.path ?? '');
    return state.lock.run(key, async () => {
      const meta = await getKeyMeta(ctx.storage, key);
      if (!meta) return undefined;
      const vm = meta.versions[String(meta.current_version)];
      const now = state.now();
      if (!vm || isGone(vm, now)) return undefined;
      vm.deletion_time = rfc3339(now);
      await ctx.storage.putJSON(metaKey(key), meta);
      return undefined;
    });
  };

  return [
    definePath({
      pattern: 'data/(?<path>.*[^/])',
      fields,
      synopsis: 'Write, Patch, Read, and Delete data in the Key-Value Store.',
      existenceCheck: async (ctx) => {
        const key = checkKey(ctx.fields.path ?? '');
        const mark = state.lock.mark();
        const meta = await getKeyMeta(ctx.storage, key);
        if (ctx.memo) ctx.memo.set(MEMO_META, { key, mark, meta } satisfies MetaMemo);
        return meta !== undefined;
      },
      operations: {
        read: { handler: read, summary: 'Read a version of the secret.' },
        create: { handler: write, summary: 'Write a new version of the secret.' },
        update: { handler: write, summary: 'Write a new version of the secret.' },
        patch: { handler: patch, summary: 'Merge-patch the current version into a new version.' },
        delete: { handler: softDelete, summary: 'Soft-delete the current version.' },
      },
    }),
  ];
}
