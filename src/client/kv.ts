/**
 * KV v1/v2 helpers with the Vault CLI's version detection (spec/core.md 4.3): every call first asks
 * `GET sys/internal/ui/mounts/<path>`; a 404 means an old server (v1), `options.version == "2"`
 * means v2. With `mount`, the path is the key inside that mount. Reach it as `client.kv`.
 */
import type { KeepClient } from './client.ts';
import { KeepApiError } from './errors.ts';
import type { SecretResponse } from './types.ts';

/** Where a KV request goes. */
export interface KvPathOptions {
  /** Mount path (e.g. `secret`); the path argument is then the key inside it. */
  mount?: string;
}

/** Options of {@link KvApi.get}. */
export interface KvGetOptions extends KvPathOptions {
  /** v2 version to read (0 or absent = current). */
  version?: number;
}

/** Options of {@link KvApi.put} and {@link KvApi.patch}. */
export interface KvPutOptions extends KvPathOptions {
  /** v2 check-and-set: the version the key must currently have (0 = must not exist). */
  cas?: number;
}

/** Options of {@link KvApi.patch}. */
export interface KvPatchOptions extends KvPutOptions {
  /** `patch` (HTTP PATCH only), `rw` (read then write), or absent: PATCH, falling back to read+write on 403/405. */
  method?: 'patch' | 'rw';
}

/** Mount facts learnt from the preflight request. */
export interface KvMount {
  /** Mount path with trailing slash (`secret/`), or `''` when the server does not say. */
  mountPath: string;
  version: 1 | 2;
}

/** Result of a KV call: the API path used, the mount facts, and the answer (null for 204/404). */
export interface KvResult extends KvMount {
  path: string;
  secret: SecretResponse | null;
}

/** Result of {@link KvApi.list}. */
export interface KvListResult extends KvResult {
  keys: string[] | null;
}

/** A KV operation that the mount's version does not support (e.g. metadata on v1). */
export class KvUnsupportedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KvUnsupportedError';
  }
}

/** Go's path.Join for our purposes: skip empty parts, one slash between, no trailing slash. */
export function joinPath(...parts: string[]): string {
  return parts
    .filter((p) => p !== '')
    .join('/')
    .replace(/\/{2,}/g, '/')
    .replace(/\/+$/, '');
}

/** `secret/app` + mount `secret/` + `data` -> `secret/data/app` (the mount root -> `secret/data`). */
export function addKvPrefix(path: string, mountPath: string, apiPrefix: string): string {
  if (path === mountPath || path === mountPath.replace(/\/+$/, '')) return joinPath(mountPath, apiPrefix);
  const suffix = path.startsWith(mountPath) ? path.slice(mountPath.length) : path;
  return joinPath(mountPath, apiPrefix, suffix);
}

function sanitize(p: string): string {
  return p.trim().replace(/^\/+/, '').replace(/\/+$/, '');
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

interface Located extends KvMount {
  /** The path in mount-prefixed form (`secret/app`). */
  partial: string;
}

/** The KV API. */
export class KvApi {
  constructor(private readonly client: KeepClient) {}

  /** The preflight request: mount path and KV version of the mount containing `path`. */
  async detect(path: string): Promise<KvMount> {
    const info = await this.client.sys.uiMount(sanitize(path));
    if (!info) return { mountPath: '', version: 1 };
    const mountPath = typeof info.path === 'string' ? info.path : '';
    const version = isObject(info.options) && info.options.version === '2' ? 2 : 1;
    return { mountPath, version };
  }

  /** Resolves a CLI-style path (and optional mount) to the mount facts and the mount-prefixed path. */
  async locate(path: string, options: KvPathOptions = {}): Promise<Located> {
    const partial = path.replace(/^\/+/, '');
    if (options.mount !== undefined && options.mount !== '') {
      const mount = sanitize(options.mount);
      const m = await this.detect(mount);
      const base = m.mountPath !== '' ? m.mountPath : `${mount}/`;
      return { ...m, partial: joinPath(base, partial) };
    }
    const m = await this.detect(partial);
    return { ...m, partial };
  }

  /** The API path of `apiPrefix` (`data`, `metadata`, ...) for a located v2 path, or the path itself for v1. */
  apiPath(loc: Located, apiPrefix: string): string {
    return loc.version === 2 ? addKvPrefix(loc.partial, loc.mountPath, apiPrefix) : loc.partial;
  }

  /** Reads a secret (v2: `GET M/data/k[?version=N]`). A deleted v2 version comes back as a 404 envelope with metadata. */
  async get(path: string, options: KvGetOptions = {}): Promise<KvResult> {
    const loc = await this.locate(path, options);
    const full = this.apiPath(loc, 'data');
    const query = loc.version === 2 && options.version && options.version > 0 ? { version: String(options.version) } : undefined;
    const secret = await this.client.read(full, query);
    return { path: full, mountPath: loc.mountPath, version: loc.version, secret };
  }

  /** Writes a secret (v2: `PUT M/data/k` `{data, options}`; v1: `PUT M/k` with the data itself). */
  async put(path: string, data: Record<string, unknown>, options: KvPutOptions = {}): Promise<KvResult> {
    const loc = await this.locate(path, options);
    const full = this.apiPath(loc, 'data');
    const body = loc.version === 2 ? { data, options: options.cas !== undefined ? { cas: options.cas } : {} } : data;
    const secret = await this.client.write(full, body);
    return { path: full, mountPath: loc.mountPath, version: loc.version, secret };
  }

  /**
   * Patches a v2 secret (`PATCH M/data/k`, merge-patch). Without `method`, a 403 or 405 falls back
   * to reading the current version and writing the merged data with `cas` = that version.
   * @throws KvUnsupportedError on a v1 mount.
   */
  async patch(path: string, data: Record<string, unknown>, options: KvPatchOptions = {}): Promise<KvResult> {
    const loc = await this.locate(path, options);
    if (loc.version !== 2) throw new KvUnsupportedError('K/V engine mount must be version 2 for patch support');
    const full = this.apiPath(loc, 'data');
    const result = (secret: SecretResponse | null): KvResult => ({ path: full, mountPath: loc.mountPath, version: 2, secret });
    if (options.method !== 'rw') {
      try {
        const body = { data, options: options.cas !== undefined ? { cas: options.cas } : {} };
        return result(await this.client.patch(full, body));
      } catch (e) {
        const fallback = options.method === undefined && e instanceof KeepApiError && (e.status === 403 || e.status === 405);
        if (!fallback) throw e;
      }
    }
    const current = await this.client.read(full);
    const currentData = current?.data?.data;
    if (!current || !isObject(currentData)) throw new KvUnsupportedError(`No value found at ${full}`);
    const merged: Record<string, unknown> = { ...currentData };
    for (const [k, v] of Object.entries(data)) {
      if (v === null) delete merged[k];
      else merged[k] = v;
    }
    const meta = current.data?.metadata;
    const cas = options.cas ?? (isObject(meta) && typeof meta.version === 'number' ? meta.version : undefined);
    return result(await this.client.write(full, { data: merged, options: cas !== undefined ? { cas } : {} }));
  }

  /** Lists keys (v2: `LIST M/metadata/p`). `keys` is null when nothing is there. */
  async list(path: string, options: KvPathOptions = {}): Promise<KvListResult> {
    const loc = await this.locate(path, options);
    const full = this.apiPath(loc, 'metadata');
    const secret = await this.client.list(full);
    const raw = secret?.data?.keys;
    const keys = Array.isArray(raw) ? raw.filter((k): k is string => typeof k === 'string') : null;
    return { path: full, mountPath: loc.mountPath, version: loc.version, secret, keys };
  }

  /** Deletes (v2: soft-deletes the current version with `DELETE M/data/k`, or `versions` with `PUT M/delete/k`). */
  async delete(path: string, options: KvPathOptions & { versions?: Array<number | string> } = {}): Promise<KvResult> {
    const loc = await this.locate(path, options);
    if (loc.version === 2 && options.versions && options.versions.length > 0) {
      const full = this.apiPath(loc, 'delete');
      const secret = await this.client.write(full, { versions: options.versions.map(String) });
      return { path: full, mountPath: loc.mountPath, version: 2, secret };
    }
    const full = this.apiPath(loc, 'data');
    const secret = await this.client.delete(full);
    return { path: full, mountPath: loc.mountPath, version: loc.version, secret };
  }

  /** Undeletes v2 versions (`PUT M/undelete/k`). */
  undelete(path: string, versions: Array<number | string>, options: KvPathOptions = {}): Promise<KvResult> {
    return this.versionsOp(path, 'undelete', versions, options, 'Undelete not supported on KV Version 1');
  }

  /** Destroys v2 versions permanently (`PUT M/destroy/k`). */
  destroy(path: string, versions: Array<number | string>, options: KvPathOptions = {}): Promise<KvResult> {
    return this.versionsOp(path, 'destroy', versions, options, 'Destroy not supported on KV Version 1');
  }

  /** Reads key metadata (`GET M/metadata/k`). */
  async metadataGet(path: string, options: KvPathOptions = {}): Promise<KvResult> {
    const loc = await this.locateV2(path, options);
    const full = this.apiPath(loc, 'metadata');
    return { path: full, mountPath: loc.mountPath, version: 2, secret: await this.client.read(full) };
  }

  /** Writes key metadata (`PUT M/metadata/k`): `max_versions`, `cas_required`, `delete_version_after`, `custom_metadata`. */
  async metadataPut(path: string, fields: Record<string, unknown>, options: KvPathOptions = {}): Promise<KvResult> {
    const loc = await this.locateV2(path, options);
    const full = this.apiPath(loc, 'metadata');
    return { path: full, mountPath: loc.mountPath, version: 2, secret: await this.client.write(full, fields) };
  }

  /** Patches key metadata (`PATCH M/metadata/k`, merge-patch). */
  async metadataPatch(path: string, fields: Record<string, unknown>, options: KvPathOptions = {}): Promise<KvResult> {
    const loc = await this.locateV2(path, options);
    const full = this.apiPath(loc, 'metadata');
    return { path: full, mountPath: loc.mountPath, version: 2, secret: await this.client.patch(full, fields) };
  }

  /** Deletes key metadata and every version (`DELETE M/metadata/k`). */
  async metadataDelete(path: string, options: KvPathOptions = {}): Promise<KvResult> {
    const loc = await this.locateV2(path, options);
    const full = this.apiPath(loc, 'metadata');
    return { path: full, mountPath: loc.mountPath, version: 2, secret: await this.client.delete(full) };
  }

  private async locateV2(path: string, options: KvPathOptions): Promise<Located> {
    const loc = await this.locate(path, options);
    if (loc.version !== 2) throw new KvUnsupportedError('Metadata not supported on KV Version 1');
    return loc;
  }

  private async versionsOp(
    path: string,
    prefix: string,
    versions: Array<number | string>,
    options: KvPathOptions,
    v1Message: string,
  ): Promise<KvResult> {
    const loc = await this.locate(path, options);
    if (loc.version !== 2) throw new KvUnsupportedError(v1Message);
    const full = this.apiPath(loc, prefix);
    const secret = await this.client.write(full, { versions: versions.map(String) });
    return { path: full, mountPath: loc.mountPath, version: 2, secret };
  }
}
