/** In-memory fakes of the mount table, policy store, expiration and wrapping (sys/ tests). */
import type {
  ACL,
  ACLInput,
  ACLResult,
  ExpirationApi,
  LeaseLookup,
  MountConfig,
  MountEntry,
  MountKind,
  MountTableApi,
  PolicyStoreApi,
  WrappingApi,
} from '../../core/contracts.ts';
import { badRequest } from '../../errors.ts';
import type { WrapInfo } from '../../framework/types.ts';
export const SYSTEM_TTL = 2764800;

// ---------------------------------------------------------------------------------------------
// ACL

/** An ACL granting `caps[path]` on exact paths (no globs); root grants all. */
export class FakeACL implements ACL {
  constructor(
    readonly isRoot: boolean,
    private readonly caps: Record<string, string[]> = {},
  ) {}

  allowOperation(input: ACLInput): ACLResult {
    const c = this.capabilities(input.path);
    return { allowed: this.isRoot || c.includes(input.operation), rootPrivs: this.isRoot || c.includes('sudo'), grantingPolicies: [] };
  }

  capabilities(path: string): string[] {
    if (this.isRoot) return ['root'];
    const c = this.caps[path];
    return c && c.length > 0 ? [...c].sort() : ['deny'];
  }

  hasAccessUnder(prefix: string): boolean {
    if (this.isRoot) return true;
    return Object.entries(this.caps).some(([p, c]) => p.startsWith(prefix) && c.some((x) => x !== 'deny'));
  }
}

// ---------------------------------------------------------------------------------------------
// Mounts

function slash(p: string): string {
  const s = p.replace(/^\/+/, '');
  return s.endsWith('/') ? s : `${s}/`;
}

export function mountEntry(path: string, type: string, over: Partial<MountEntry> = {}): MountEntry {
  return {
    path,
    type,
    description: '',
    accessor: `${type}_1234abcd`,
    uuid: `uuid-${path}`,
    config: { default_lease_ttl: 0, max_lease_ttl: 0, force_no_cache: false },
    options: null,
    local: false,
    seal_wrap: false,
    external_entropy_access: false,
    plugin_version: '',
    running_plugin_version: 'v0.1.0+builtin.keep',
    ...over,
  };
}

export class FakeMounts implements MountTableApi {
  secret: MountEntry[] = [
    mountEntry('cubbyhole/', 'cubbyhole', { description: 'per-token private secret storage', local: true }),
    mountEntry('identity/', 'identity', { description: 'identity store' }),
    mountEntry('secret/', 'kv', { description: 'key/value secret storage', options: { version: '2' } }),
    mountEntry('sys/', 'system', {
      description: 'system endpoints used for control, policy and debugging',
      config: { default_lease_ttl: 0, max_lease_ttl: 0, force_no_cache: false, passthrough_request_headers: ['Accept'] },
    }),
  ];
  auth: MountEntry[] = [
    mountEntry('token/', 'token', {
      accessor: 'auth_token_1234abcd',
      description: 'token based credentials',
      config: { default_lease_ttl: 0, max_lease_ttl: 0, force_no_cache: false, token_type: 'default-service' },
    }),
  ];
  readonly calls: Array<{ op: string; kind?: MountKind; path: string; input?: unknown }> = [];
  tuneWarnings: string[] = [];

  private table(kind: MountKind): MountEntry[] {
    return kind === 'auth' ? this.auth : this.secret;
  }

  list(kind: MountKind): MountEntry[] {
    return [...this.table(kind)];
  }

  get(kind: MountKind, path: string): MountEntry | undefined {
    return this.table(kind).find((e) => e.path === slash(path));
  }

  match(requestPath: string): { kind: MountKind; entry: MountEntry } | undefined {
    let best: { kind: MountKind; entry: MountEntry } | undefined;
    let len = -1;
    const all: Array<[MountKind, string, MountEntry]> = [
      ...this.secret.map((e): [MountKind, string, MountEntry] => ['secret', e.path, e]),
      ...this.auth.map((e): [MountKind, string, MountEntry] => ['auth', `auth/${e.path}`, e]),
    ];
    for (const [kind, full, entry] of all) {
      if ((requestPath.startsWith(full) || `${requestPath}/` === full) && full.length > len) {
        best = { kind, entry };
        len = full.length;
      }
    }
    return best;
  }

  async enable(kind: MountKind, path: string, input: Parameters<MountTableApi['enable']>[2]): Promise<void> {
    this.calls.push({ op: 'enable', kind, path, input });
    const p = slash(path);
    for (const e of this.table(kind)) {
      if (p.startsWith(e.path) || e.path.startsWith(p)) throw badRequest(`path is already in use at ${e.path}`);
    }
    const config: MountConfig = { default_lease_ttl: 0, max_lease_ttl: 0, force_no_cache: false, ...input.config };
    this.table(kind).push(
      mountEntry(p, input.type, { description: input.description, config, options: input.options, local: input.local }),
    );
  }

  async disable(kind: MountKind, path: string): Promise<void> {
    this.calls.push({ op: 'disable', kind, path });
    const full = kind === 'auth' ? `auth/${slash(path)}` : slash(path);
    if (['sys/', 'cubbyhole/', 'identity/', 'auth/token/'].includes(full)) throw badRequest(`cannot unmount "${full}"`);
    const t = this.table(kind);
    const i = t.findIndex((e) => e.path === slash(path));
    if (i >= 0) t.splice(i, 1);
  }

  async tune(kind: MountKind, path: string, changes: Parameters<MountTableApi['tune']>[2]): Promise<string[]> {
    this.calls.push({ op: 'tune', kind, path, input: changes });
    return [...this.tuneWarnings];
  }

  async remount(from: string, to: string): Promise<void> {
    this.calls.push({ op: 'remount', path: from, input: to });
    const kind: MountKind = from.startsWith('auth/') ? 'auth' : 'secret';
    const strip = (p: string) => (kind === 'auth' ? p.slice(5) : p);
    const entry = this.get(kind, strip(from));
    if (!entry) throw badRequest(`no matching mount at "${from}"`);
    entry.path = strip(to);
  }

  effectiveTTLs(entry: MountEntry): { defaultTTL: number; maxTTL: number } {
    const maxTTL = entry.config.max_lease_ttl || SYSTEM_TTL;
    const defaultTTL = Math.min(entry.config.default_lease_ttl || SYSTEM_TTL, maxTTL);
    return { defaultTTL, maxTTL };
  }
}

// ---------------------------------------------------------------------------------------------
// Policies

export class FakePolicies implements PolicyStoreApi {
  readonly store = new Map<string, string>([['default', 'path "x" {}']]);

  async list(): Promise<string[]> {
    return [...this.store.keys()].sort();
  }

  async get(name: string): Promise<string | undefined> {
    if (name === 'root') return '';
    return this.store.get(name);
  }

  async set(name: string, text: string): Promise<void> {
    if (!text.includes('path')) throw badRequest('failed to parse policy: no path blocks');
    this.store.set(name, text);
  }

  async delete(name: string): Promise<void> {
    this.store.delete(name);
  }

  async acl(): Promise<ACL> {
    return new FakeACL(false);
  }

  async setupBuiltins(): Promise<void> {}
}

// ---------------------------------------------------------------------------------------------
// Leases

export class FakeExpiration implements Partial<ExpirationApi> {
  readonly leases = new Map<string, LeaseLookup>();
  readonly calls: Array<{ op: string; args: unknown[] }> = [];
  truncated = false;

  async lookup(id: string): Promise<LeaseLookup | undefined> {
    return this.leases.get(id);
  }

  async renew(leaseId: string, increment: number) {
    this.calls.push({ op: 'renew', args: [leaseId, increment] });
    if (!this.leases.has(leaseId)) throw badRequest('lease not found');
    return { leaseId, ttl: increment || 600, renewable: true, warnings: [] as string[] };
  }

  async revoke(leaseId: string, sync: boolean): Promise<void> {
    this.calls.push({ op: 'revoke', args: [leaseId, sync] });
    this.leases.delete(leaseId);
  }

  async revokePrefix(prefix: string, opts: { sync: boolean; force: boolean }): Promise<void> {
    this.calls.push({ op: 'revokePrefix', args: [prefix, opts] });
  }

  async listPrefix(prefix: string): Promise<string[]> {
    this.calls.push({ op: 'listPrefix', args: [prefix] });
    const out = new Set<string>();
    for (const id of this.leases.keys()) {
      if (!id.startsWith(prefix)) continue;
      const rest = id.slice(prefix.length);
      const i = rest.indexOf('/');
      out.add(i >= 0 ? rest.slice(0, i + 1) : rest);
    }
    return [...out].sort();
  }

  async tidy(): Promise<void> {
    this.calls.push({ op: 'tidy', args: [] });
  }

  async countIrrevocable() {
    return { lease_count: 1, counts: { database_7a3c1f2e: 1 } };
  }

  async listIrrevocable(limit: number) {
    this.calls.push({ op: 'listIrrevocable', args: [limit] });
    return { leases: [{ lease_id: 'database/creds/ro/abc', mount_id: 'database_7a3c1f2e', error: 'out of retries: boom' }], truncated: this.truncated };
  }
}

// ---------------------------------------------------------------------------------------------
// Wrapping

export class FakeWrapping implements WrappingApi {
  readonly stored = new Map<string, string>();

  async wrap(): Promise<WrapInfo> {
    throw new Error('not used by the sys backend');
  }

  async unwrap(token: string): Promise<string> {
    const text = this.stored.get(token);
    if (text === undefined) throw badRequest('wrapping token is not valid or does not exist');
    this.stored.delete(token);
    return text;
  }

  async lookup(token: string) {
    if (!this.stored.has(token)) throw badRequest('wrapping token is not valid or does not exist');
    return { creation_ttl: 300, creation_time: '2025-02-03T10:11:12.5551234Z', creation_path: 'secret/data/app' };
  }

  async rewrap(token: string): Promise<WrapInfo> {
    const text = this.stored.get(token);
    if (text === undefined) throw badRequest('wrapping token is not valid or does not exist');
    this.stored.delete(token);
    this.stored.set('hvs.rewrapped', text);
    return { token: 'hvs.rewrapped', accessor: 'acc-new', ttl: 300, creation_time: '2025-02-03T10:11:12.5551234Z', creation_path: 'secret/data/app' };
  }
}
