/**
 * The mount tables (secrets engines and auth methods), persisted through the barrier at
 * `core/mounts` and `core/auth` (spec/core.md 2.5, 2.6). Each mount gets a storage view keyed by
 * its UUID (`logical/<uuid>/`, `auth/<uuid>/`), so moving a mount never moves data.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { StorageView } from '../barrier/storage-view.ts';
import { badRequest } from '../errors.ts';
import type { MountConfig, MountEntry, MountKind, MountTableApi } from './contracts.ts';

const SECRET_TABLE = 'core/mounts';
const AUTH_TABLE = 'core/auth';

/** Types that exist once and cannot be mounted by users. */
const SINGLETONS = new Set(['system', 'cubbyhole', 'identity', 'token']);
/** Path prefixes users cannot mount at. */
const RESERVED_SECRET_PREFIXES = ['sys/', 'auth/', 'audit/', 'cubbyhole/', 'identity/'];
/** Mounts that cannot be disabled or moved. */
const PROTECTED = new Set(['sys/', 'cubbyhole/', 'identity/', 'auth/token/']);
/** Mounts whose tune is limited to the audit_non_hmac_* keys. */
const TUNE_RESTRICTED = new Set(['sys/', 'cubbyhole/', 'identity/', 'audit/']);

export const RUNNING_VERSION = 'v0.1.0+builtin.keep';

export interface MountHooks {
  /** Known engine types by kind (so an unknown type is refused at enable). */
  knows(kind: MountKind, type: string): boolean;
  /** Builds and registers the backend of a mount (router). */
  attach(kind: MountKind, entry: MountEntry): Promise<void>;
  /** Removes the backend from the router; `cleanup` the engine. */
  detach(kind: MountKind, entry: MountEntry): Promise<void>;
  /** Revokes leases (and for auth mounts tokens) that the mount issued. */
  revokeIssued(kind: MountKind, entry: MountEntry): Promise<void>;
  /** Deletes every key of the mount's storage. */
  wipe(kind: MountKind, entry: MountEntry): Promise<void>;
  /** KV v1 -> v2 upgrade of a mount's data. */
  upgradeKv(entry: MountEntry): Promise<void>;
}

type EnableInput = Parameters<MountTableApi['enable']>[2];
type TuneInput = Parameters<MountTableApi['tune']>[2];

function withSlash(path: string): string {
  const p = path.replace(/^\/+/, '');
  return p.endsWith('/') ? p : `${p}/`;
}

function accessorFor(kind: MountKind, type: string): string {
  const hex = randomBytes(4).toString('hex');
  return kind === 'auth' ? `auth_${type}_${hex}` : `${type}_${hex}`;
}

export function defaultConfig(): MountConfig {
  return { default_lease_ttl: 0, max_lease_ttl: 0, force_no_cache: false };
}

export class MountTable implements MountTableApi {
  private secret: MountEntry[] = [];
  private auth: MountEntry[] = [];

  constructor(
    private readonly storage: StorageView,
    private readonly system: { defaultLeaseTTL: number; maxLeaseTTL: number },
    private readonly hooks: MountHooks,
  ) {}

  /** Loads both tables (creating the default mounts on first unseal) and attaches every backend. */
  async load(extraDefaults: MountEntry[] = []): Promise<void> {
    const secret = await this.storage.getJSON<MountEntry[]>(SECRET_TABLE);
    const auth = await this.storage.getJSON<MountEntry[]>(AUTH_TABLE);
    this.secret = secret ?? [...this.defaultSecretMounts(), ...extraDefaults];
    this.auth = auth ?? [this.newEntry('auth', 'token/', 'token', 'token based credentials', { token_type: 'default-service' }, null, false)];
    if (!secret) await this.persist('secret');
    if (!auth) await this.persist('auth');
    for (const e of this.auth) await this.hooks.attach('auth', e);
    for (const e of this.secret) await this.hooks.attach('secret', e);
  }

  private defaultSecretMounts(): MountEntry[] {
    return [
      this.newEntry('secret', 'cubbyhole/', 'cubbyhole', 'per-token private secret storage', {}, null, true),
      this.newEntry('secret', 'identity/', 'identity', 'identity store', {}, null, false),
      this.newEntry('secret', 'sys/', 'system', 'system endpoints used for control, policy and debugging', { passthrough_request_headers: ['Accept'] }, null, false),
    ];
  }

  newEntry(
    kind: MountKind,
    path: string,
    type: string,
    description: string,
    config: Partial<MountConfig>,
    options: Record<string, string> | null,
    local: boolean,
  ): MountEntry {
    return {
      path,
      type,
      description,
      accessor: accessorFor(kind, type),
      uuid: randomUUID(),
      config: { ...defaultConfig(), ...config },
      options,
      local,
      seal_wrap: false,
      external_entropy_access: false,
      plugin_version: '',
      running_plugin_version: RUNNING_VERSION,
    };
  }

  list(kind: MountKind): MountEntry[] {
    return [...(kind === 'auth' ? this.auth : this.secret)];
  }

  get(kind: MountKind, path: string): MountEntry | undefined {
    const p = withSlash(path);
    return (kind === 'auth' ? this.auth : this.secret).find((e) => e.path === p);
  }

  match(requestPath: string): { kind: MountKind; entry: MountEntry } | undefined {
    let best: { kind: MountKind; entry: MountEntry } | undefined;
    let bestLen = -1;
    const consider = (kind: MountKind, full: string, entry: MountEntry) => {
      if ((requestPath.startsWith(full) || `${requestPath}/` === full) && full.length > bestLen) {
        best = { kind, entry };
        bestLen = full.length;
      }
    };
    for (const e of this.secret) consider('secret', e.path, e);
    for (const e of this.auth) consider('auth', `auth/${e.path}`, e);
    return best;
  }

  effectiveTTLs(entry: MountEntry): { defaultTTL: number; maxTTL: number } {
    const maxTTL = entry.config.max_lease_ttl > 0 ? entry.config.max_lease_ttl : this.system.maxLeaseTTL;
    let defaultTTL = entry.config.default_lease_ttl > 0 ? entry.config.default_lease_ttl : this.system.defaultLeaseTTL;
    if (defaultTTL > maxTTL) defaultTTL = maxTTL;
    return { defaultTTL, maxTTL };
  }

  async enable(kind: MountKind, rawPath: string, input: EnableInput): Promise<void> {
    const path = withSlash(rawPath);
    const type = input.type;
    if (!type) throw badRequest('backend type must be specified as a string');
    if (kind === 'auth') {
      if (type === 'token' || path === 'token/') throw badRequest('token credential backend cannot be instantiated');
    } else {
      if (RESERVED_SECRET_PREFIXES.some((p) => path.startsWith(p))) throw badRequest(`cannot mount "${path}"`);
    }
    if (SINGLETONS.has(type)) throw badRequest(`mount type of "${type}" is not mountable`);
    if (!this.hooks.knows(kind, type)) {
      throw badRequest(`plugin not found in the catalog: ${type}`);
    }
    if (input.options?.version !== undefined && type !== 'kv') {
      throw badRequest(`secrets engine "${type}" does not allow setting a version`);
    }
    if (type === 'kv' && input.options?.version !== undefined && !['1', '2'].includes(input.options.version)) {
      throw badRequest(`invalid version provided: ${input.options.version}`);
    }
    const cfg = { ...defaultConfig(), ...stripUndefined(input.config) };
    if (cfg.default_lease_ttl > 0 && cfg.max_lease_ttl > 0 && cfg.default_lease_ttl > cfg.max_lease_ttl) {
      throw badRequest('given default lease TTL greater than given max lease TTL');
    }
    if (kind === 'auth' && cfg.token_type === undefined) cfg.token_type = 'default-service';
    if (cfg.token_type !== undefined && !['default-service', 'default-batch', 'service', 'batch'].includes(cfg.token_type)) {
      throw badRequest(`invalid value for 'token_type'`);
    }
    if (kind === 'secret' && cfg.token_type !== undefined) throw badRequest(`'token_type' can only be modified on auth mounts`);
    const table = kind === 'auth' ? this.auth : this.secret;
    const full = (p: string) => (kind === 'auth' ? `auth/${p}` : p);
    for (const e of table) {
      if (full(path).startsWith(full(e.path)) || full(e.path).startsWith(full(path))) {
        throw badRequest(`path is already in use at ${e.path}`);
      }
    }
    const entry = this.newEntry(kind, path, type, input.description ?? '', cfg, input.options, input.local);
    entry.seal_wrap = input.seal_wrap;
    entry.external_entropy_access = input.external_entropy_access;
    await this.hooks.attach(kind, entry);
    table.push(entry);
    try {
      await this.persist(kind);
    } catch (e) {
      table.splice(table.indexOf(entry), 1);
      await this.hooks.detach(kind, entry);
      throw e;
    }
  }

  async disable(kind: MountKind, rawPath: string): Promise<void> {
    const path = withSlash(rawPath);
    const fullPath = kind === 'auth' ? `auth/${path}` : path;
    if (PROTECTED.has(fullPath)) throw badRequest(`cannot unmount "${fullPath}"`);
    const table = kind === 'auth' ? this.auth : this.secret;
    const entry = table.find((e) => e.path === path);
    if (!entry) return;
    await this.hooks.revokeIssued(kind, entry);
    await this.hooks.detach(kind, entry);
    table.splice(table.indexOf(entry), 1);
    await this.persist(kind);
    await this.hooks.wipe(kind, entry);
  }

  async tune(kind: MountKind, rawPath: string, changes: TuneInput): Promise<string[]> {
    const path = withSlash(rawPath);
    const entry = this.get(kind, path);
    const fullPath = kind === 'auth' ? `auth/${path}` : path;
    if (!entry) throw badRequest(`cannot tune mount: no mount at ${fullPath}`);
    const warnings: string[] = [];
    if (TUNE_RESTRICTED.has(fullPath)) {
      for (const key of Object.keys(changes)) {
        const value = (changes as Record<string, unknown>)[key];
        if (value === undefined) continue;
        if (key !== 'audit_non_hmac_request_keys' && key !== 'audit_non_hmac_response_keys') {
          throw badRequest(`cannot tune parameter ${key} of ${fullPath}`);
        }
      }
    }
    if (changes.token_type !== undefined) {
      if (kind !== 'auth') throw badRequest(`'token_type' can only be modified on auth mounts`);
      if (path === 'token/') throw badRequest(`'token_type' cannot be set for 'token' auth mount`);
      if (!['default-service', 'default-batch', 'service', 'batch'].includes(changes.token_type)) {
        throw badRequest(`invalid value for 'token_type'`);
      }
    }
    const next: MountEntry = { ...entry, config: { ...entry.config }, options: entry.options ? { ...entry.options } : null };
    const def = changes.default_lease_ttl ?? next.config.default_lease_ttl;
    const max = changes.max_lease_ttl ?? next.config.max_lease_ttl;
    if (def > 0 && max > 0 && max < def) {
      throw badRequest(`backend max lease TTL of ${max} would be less than backend default lease TTL of ${def}`);
    }
    for (const [k, v] of Object.entries(changes)) {
      if (v === undefined || k === 'description' || k === 'options') continue;
      (next.config as unknown as Record<string, unknown>)[k] = v;
    }
    if (changes.description !== undefined) next.description = changes.description;
    let upgrade = false;
    if (changes.options) {
      const opts = { ...(next.options ?? {}) };
      for (const [k, v] of Object.entries(changes.options)) {
        if (k === 'version') {
          if (next.type !== 'kv') throw badRequest(`secrets engine "${next.type}" does not allow setting a version`);
          const current = opts.version ?? '1';
          if (v === current || v === '') continue;
          if (v !== '1' && v !== '2') throw badRequest(`invalid version provided: ${v}`);
          if (current === '2' && v === '1') throw badRequest('cannot downgrade mount from version 2');
          opts.version = v;
          upgrade = true;
          continue;
        }
        if (v === '') delete opts[k];
        else opts[k] = v;
      }
      next.options = Object.keys(opts).length > 0 ? opts : null;
    }
    if (upgrade) {
      await this.hooks.upgradeKv(next);
      warnings.push(
        'Upgrading mount from version 1 to version 2. This mount will be unavailable for a brief period and will resume service shortly.',
      );
    }
    const table = kind === 'auth' ? this.auth : this.secret;
    table[table.indexOf(entry)] = next;
    await this.persist(kind);
    if (upgrade || changes.options) {
      await this.hooks.detach(kind, entry);
      await this.hooks.attach(kind, next);
    }
    return warnings;
  }

  async remount(from: string, to: string): Promise<void> {
    const fromKind: MountKind = from.startsWith('auth/') ? 'auth' : 'secret';
    const toKind: MountKind = to.startsWith('auth/') ? 'auth' : 'secret';
    if (fromKind !== toKind) throw badRequest('cannot remount between secrets engines and auth methods');
    const strip = (p: string) => withSlash(fromKind === 'auth' ? p.slice('auth/'.length) : p);
    const src = strip(from);
    const dst = strip(to);
    const fullSrc = fromKind === 'auth' ? `auth/${src}` : src;
    const fullDst = fromKind === 'auth' ? `auth/${dst}` : dst;
    if (PROTECTED.has(fullSrc)) throw badRequest(`cannot remount "${fullSrc}"`);
    if (fromKind === 'secret' && RESERVED_SECRET_PREFIXES.some((p) => dst.startsWith(p))) throw badRequest(`cannot remount to "${fullDst}"`);
    const table = fromKind === 'auth' ? this.auth : this.secret;
    const entry = table.find((e) => e.path === src);
    if (!entry) throw badRequest(`no matching mount at "${fullSrc}"`);
    for (const e of table) {
      if (e === entry) continue;
      const full = fromKind === 'auth' ? `auth/${e.path}` : e.path;
      if (fullDst.startsWith(full) || full.startsWith(fullDst)) throw badRequest(`path already in use at "${full}"`);
    }
    await this.hooks.revokeIssued(fromKind, entry);
    await this.hooks.detach(fromKind, entry);
    const moved = { ...entry, path: dst };
    table[table.indexOf(entry)] = moved;
    await this.persist(fromKind);
    await this.hooks.attach(fromKind, moved);
  }

  private async persist(kind: MountKind): Promise<void> {
    await this.storage.putJSON(kind === 'auth' ? AUTH_TABLE : SECRET_TABLE, kind === 'auth' ? this.auth : this.secret);
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
