/**
 * In-memory fakes of SystemServices for the sys/ backend tests, and a runner that drives a
 * backend through the framework's dispatch. Fakes record the calls handlers make.
 */
import type {
  ACL,
  Entity,
  EntityAlias,
  ExpirationApi,
  IdentityApi,
  SystemServices,
  TokenEntry,
  TokenStoreApi,
} from '../../core/contracts.ts';
import { PasswordPolicyStore } from '../../core/password/store.ts';
import { prepare } from '../../framework/dispatch.ts';
import { MemoryView } from '../kv/test-storage.ts';
import { compileBackend, type CompiledBackend } from '../../framework/router.ts';
import type { Backend, CallerInfo, LogicalResponse, MountInfo, Operation, StorageView } from '../../framework/types.ts';
import { FakeACL, FakeExpiration, FakeMounts, FakePolicies, FakeWrapping, SYSTEM_TTL } from './test-fake-stores.ts';

export { FakeACL, FakeExpiration, FakeMounts, FakePolicies, FakeWrapping, mountEntry, SYSTEM_TTL } from './test-fake-stores.ts';

// ---------------------------------------------------------------------------------------------
// Runner

export interface RunInput {
  operation: Operation;
  path: string;
  data?: Record<string, unknown>;
  caller?: CallerInfo;
  clientToken?: string;
  wrapTTL?: number;
}

const noStorage = new Proxy({} as StorageView, {
  get() {
    throw new Error('the sys backend must not touch its storage view');
  },
});

export function makeRunner(backend: Backend, mountPath = 'sys/') {
  const compiled: CompiledBackend = compileBackend(backend);
  const mount: MountInfo = {
    path: mountPath,
    type: backend.type,
    accessor: `${backend.type}_00000000`,
    uuid: '00000000-0000-0000-0000-000000000000',
    options: null,
    defaultLeaseTTL: () => SYSTEM_TTL,
    maxLeaseTTL: () => SYSTEM_TTL,
    local: false,
  };
  const run = async (input: RunInput): Promise<LogicalResponse | undefined> => {
    const prepared = prepare(compiled, {
      requestId: '11111111-2222-3333-4444-555555555555',
      operation: input.operation,
      path: input.path,
      fullPath: mountPath + input.path,
      raw: input.data ?? {},
      storage: noStorage,
      mount,
      caller: input.caller,
      clientToken: input.clientToken ?? '',
      remoteAddress: '127.0.0.1',
      wrapTTL: input.wrapTTL ?? 0,
      headers: {},
    });
    return prepared.execute(input.operation);
  };
  return { run, compiled };
}

export function callerFor(entry: TokenEntry): CallerInfo {
  return {
    accessor: entry.accessor,
    policies: entry.policies,
    entityId: entry.entityId,
    displayName: entry.displayName,
    metadata: entry.meta ?? {},
    root: entry.policies.includes('root'),
    sudo: entry.policies.includes('root'),
    cubbyholeId: entry.cubbyholeId,
    tokenHash: entry.hash,
  };
}

// ---------------------------------------------------------------------------------------------
// Tokens

export function tokenEntry(over: Partial<TokenEntry> & { hash: string }): TokenEntry {
  return {
    accessor: `acc-${over.hash}`,
    policies: ['default'],
    parentHash: '',
    path: 'auth/token/create',
    meta: null,
    displayName: 'token',
    numUses: 0,
    creationTime: 0,
    ttl: 0,
    explicitMaxTTL: 0,
    period: 0,
    role: '',
    entityId: '',
    type: 'service',
    boundCIDRs: [],
    expireTime: 0,
    issueTime: 0,
    lastRenewalTime: 0,
    renewable: false,
    mountAccessor: 'auth_token_00000000',
    cubbyholeId: `cubby-${over.hash}`,
    ...over,
  };
}

export class FakeTokens implements Partial<TokenStoreApi> {
  /** raw token -> entry */
  readonly byRaw = new Map<string, TokenEntry>();

  add(raw: string, entry: TokenEntry): TokenEntry {
    this.byRaw.set(raw, entry);
    return entry;
  }

  async lookup(raw: string): Promise<TokenEntry | undefined> {
    return this.byRaw.get(raw);
  }

  async lookupByAccessor(accessor: string): Promise<TokenEntry | undefined> {
    return [...this.byRaw.values()].find((e) => e.accessor === accessor);
  }

  async lookupByHash(hash: string): Promise<TokenEntry | undefined> {
    return [...this.byRaw.values()].find((e) => e.hash === hash);
  }
}

// ---------------------------------------------------------------------------------------------
// Assembly

export interface Fakes {
  services: SystemServices;
  mounts: FakeMounts;
  policies: FakePolicies;
  tokens: FakeTokens;
  expiration: FakeExpiration;
  wrapping: FakeWrapping;
  acls: Map<string, ACL>;
  entities: Map<string, Entity>;
  sealed: { sealed: boolean; rotations: number };
}

export function makeFakes(): Fakes {
  const mounts = new FakeMounts();
  const policies = new FakePolicies();
  const tokens = new FakeTokens();
  const expiration = new FakeExpiration();
  const wrapping = new FakeWrapping();
  /** token hash -> ACL */
  const acls = new Map<string, ACL>();
  const entities = new Map<string, Entity>();
  const sealed = { sealed: false, rotations: 0 };
  const identity: Partial<IdentityApi> = {
    async getEntity(id: string) {
      return entities.get(id);
    },
    async aliasesOf(): Promise<EntityAlias[]> {
      return [];
    },
  };
  const services: SystemServices = {
    mounts,
    policies,
    tokens: tokens as unknown as TokenStoreApi,
    expiration: expiration as unknown as ExpirationApi,
    wrapping,
    identity: identity as IdentityApi,
    passwordPolicies: new PasswordPolicyStore(new MemoryView()),
    async aclFor(entry: TokenEntry) {
      return acls.get(entry.hash) ?? new FakeACL(entry.policies.includes('root'));
    },
    async seal() {
      sealed.sealed = true;
    },
    async rotateKey() {
      sealed.rotations++;
    },
    keyStatus() {
      return { term: 1 + sealed.rotations, install_time: '2025-02-03T10:11:12.123456789Z', encryptions: 42 };
    },
    async openapi() {
      return { openapi: '3.0.2', info: { title: 'Keep' }, paths: {} };
    },
    async help() {
      return { help: '', openapi: {} };
    },
    cluster: { name: 'vault-cluster-1a2b3c4d', id: '0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9' },
    version: '1.18.0+keep.0.1.0',
    system: { defaultLeaseTTL: SYSTEM_TTL, maxLeaseTTL: SYSTEM_TTL },
  };
  return { services, mounts, policies, tokens, expiration, wrapping, acls, entities, sealed };
}
