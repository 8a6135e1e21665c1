/**
 * Test doubles for the token store: an in-memory storage view and minimal policy store,
 * expiration manager and identity store (only what the token store calls).
 */
import { randomUUID } from 'node:crypto';
import type { Entry, ScanOptions } from '../../storage/physical.ts';
import type { StorageView, ViewTxOp } from '../../framework/types.ts';
import type { Entity, IdentityContext, TokenEntry } from '../contracts.ts';
import { TokenStore } from './store.ts';
import type { AuthRenewResult, TokenStoreDeps } from './types.ts';

const enc = new TextEncoder();
const dec = new TextDecoder();

/** A StorageView over a Map shared by all its sub-views. */
export class MemoryView implements StorageView {
  constructor(
    readonly data: Map<string, Uint8Array> = new Map(),
    private readonly prefix = '',
  ) {}

  async get(key: string): Promise<Uint8Array | undefined> {
    return this.data.get(this.prefix + key);
  }
  async put(key: string, value: Uint8Array): Promise<void> {
    this.data.set(this.prefix + key, value);
  }
  async delete(key: string): Promise<void> {
    this.data.delete(this.prefix + key);
  }
  async list(prefix: string): Promise<string[]> {
    const full = this.prefix + prefix;
    const out = new Set<string>();
    for (const key of this.data.keys()) {
      if (!key.startsWith(full)) continue;
      const rest = key.slice(full.length);
      const slash = rest.indexOf('/');
      out.add(slash < 0 ? rest : rest.slice(0, slash + 1));
    }
    return [...out].sort();
  }
  async scan(prefix: string, opts?: ScanOptions): Promise<Entry[]> {
    const full = this.prefix + prefix;
    const keys = [...this.data.keys()].filter((k) => k.startsWith(full)).sort();
    const out: Entry[] = [];
    for (const k of keys) {
      const rel = k.slice(this.prefix.length);
      if (opts?.after !== undefined && rel <= opts.after) continue;
      out.push({ key: rel, value: this.data.get(k) as Uint8Array });
      if (opts?.limit !== undefined && out.length >= opts.limit) break;
    }
    return out;
  }
  async transaction(ops: ViewTxOp[]): Promise<void> {
    for (const op of ops) {
      if (op.op === 'delete') this.data.delete(this.prefix + op.key);
      else this.data.set(this.prefix + op.key, op.value instanceof Uint8Array ? op.value : enc.encode(JSON.stringify(op.value.json)));
    }
  }
  async getJSON<T>(key: string): Promise<T | undefined> {
    const v = await this.get(key);
    return v === undefined ? undefined : (JSON.parse(dec.decode(v)) as T);
  }
  async putJSON(key: string, value: unknown): Promise<void> {
    await this.put(key, enc.encode(JSON.stringify(value)));
  }
  sub(prefix: string): StorageView {
    return new MemoryView(this.data, this.prefix + prefix);
  }
  /** Every stored byte as one string (for "no raw token at rest" checks). */
  dump(): string {
    return [...this.data.entries()].map(([k, v]) => `${k}=${dec.decode(v)}`).join('\n');
  }
}

/** Every policy exists except the names in `missing`. */
export class FakePolicies {
  readonly missing = new Set<string>();
  async get(name: string): Promise<string | undefined> {
    if (name === 'root') return '';
    return this.missing.has(name) ? undefined : `# ${name}`;
  }
}

export class FakeExpiration {
  readonly registered = new Map<string, TokenEntry>();
  readonly revokedLeasesOf: string[] = [];
  readonly unregistered: string[] = [];
  async registerToken(entry: TokenEntry): Promise<void> {
    this.registered.set(entry.hash, entry);
  }
  async unregisterToken(entry: TokenEntry): Promise<void> {
    this.registered.delete(entry.hash);
    this.unregistered.push(entry.hash);
  }
  async revokeByToken(hash: string): Promise<void> {
    this.revokedLeasesOf.push(hash);
  }
}

export class FakeIdentity {
  readonly entities = new Map<string, Entity>();
  /** `${mountAccessor}/${alias}` -> entity id */
  readonly aliases = new Map<string, string>();

  async loginAlias(input: { mountAccessor: string; mountType: string; mountPath: string; name: string; metadata: Record<string, string> }): Promise<Entity> {
    const key = `${input.mountAccessor}/${input.name}`;
    const id = this.aliases.get(key);
    if (id) return this.entities.get(id) as Entity;
    const entity: Entity = {
      id: randomUUID(),
      name: `entity_${this.entities.size}`,
      metadata: {},
      policies: [],
      disabled: false,
      creationTime: new Date().toISOString(),
      lastUpdateTime: new Date().toISOString(),
    };
    this.entities.set(entity.id, entity);
    this.aliases.set(key, entity.id);
    return entity;
  }

  async contextFor(entityId: string, tokenMetadata: Record<string, string>): Promise<{ identity: IdentityContext; policies: string[] }> {
    const entity = this.entities.get(entityId);
    return { identity: { groups: [], tokenMetadata }, policies: entity ? [...entity.policies] : [] };
  }
}

export interface Harness {
  store: TokenStore;
  view: MemoryView;
  policies: FakePolicies;
  expiration: FakeExpiration;
  identity: FakeIdentity;
  revoked: TokenEntry[];
  clock: { now: number };
  mount: { accessor: string; defaultTTL: number; maxTTL: number; tokenType: string };
  /** Moves the clock forward by whole seconds. */
  advance(seconds: number): void;
  /** A fresh root token (the init kind: no lease). */
  root(): Promise<string>;
  renewHook: { result: AuthRenewResult | Error };
}

/** A set-up token store over fakes, with a controllable clock starting at a whole second + 250 ms. */
export async function harness(overrides: Partial<TokenStoreDeps> = {}): Promise<Harness> {
  const view = new MemoryView();
  const policies = new FakePolicies();
  const expiration = new FakeExpiration();
  const identity = new FakeIdentity();
  const revoked: TokenEntry[] = [];
  const clock = { now: 1_718_000_000_250 };
  const mount = { accessor: 'auth_token_0a1b2c3d', defaultTTL: 2_764_800, maxTTL: 2_764_800, tokenType: 'default-service' };
  const renewHook: { result: AuthRenewResult | Error } = { result: {} };
  const store = new TokenStore({
    view: view.sub('sys/token/'),
    policies,
    expiration,
    identity,
    tokenMount: () => mount,
    onRevoke: async (entry) => {
      revoked.push(entry);
    },
    authRenew: async () => {
      if (renewHook.result instanceof Error) throw renewHook.result;
      return renewHook.result;
    },
    now: () => clock.now,
    ...overrides,
  });
  await store.setup();
  return {
    store,
    view,
    policies,
    expiration,
    identity,
    revoked,
    clock,
    mount,
    renewHook,
    advance: (seconds: number) => {
      clock.now += seconds * 1000;
    },
    root: async () => (await store.createRootToken()).token,
  };
}
