/**
 * Shared set-up of the expiration tests: a manager over a TestView with a fake clock and a fake
 * engine whose revoke and renew can be told to fail.
 */
import type { SecretSpec, SecretType, LeaseInfo } from '../../framework/types.ts';
import type { TokenEntry } from '../contracts.ts';
import { ExpirationManager } from './manager.ts';
import type { ExpirationOptions, LeaseResolver } from './manager.ts';
import { TestView, silentLogger } from './test-view.ts';

export const T0 = 1_700_000_000_000;
export const MOUNT_TTL = 2_764_800;

export class FakeEngine implements SecretType {
  revoked: string[] = [];
  renewed: string[] = [];
  /** Thrown by revoke while set. */
  revokeError: Error | undefined;
  renewError: Error | undefined;
  renewResult: { ttl?: number; maxTTL?: number } | undefined;
  /** When set, revoke waits for it. */
  gate: Promise<void> | undefined;
  revokeCalls = 0;

  async revoke(lease: LeaseInfo): Promise<void> {
    this.revokeCalls++;
    if (this.gate) await this.gate;
    if (this.revokeError) throw this.revokeError;
    this.revoked.push(lease.leaseId);
  }

  async renew(lease: LeaseInfo): Promise<{ ttl?: number; maxTTL?: number } | void> {
    if (this.renewError) throw this.renewError;
    this.renewed.push(lease.leaseId);
    return this.renewResult;
  }
}

export interface Fixture {
  view: TestView;
  engine: FakeEngine;
  mgr: ExpirationManager;
  tokensRevoked: string[];
  clock: { now: number };
  /** Mounts the resolver knows (path prefixes); remove one to simulate an unmounted engine. */
  mounts: Set<string>;
  make(extra?: Partial<ExpirationOptions>): ExpirationManager;
}

export function fixture(extra: Partial<ExpirationOptions> = {}, view = new TestView()): Fixture {
  const engine = new FakeEngine();
  const clock = { now: T0 };
  const mounts = new Set(['db/']);
  const tokensRevoked: string[] = [];
  const resolver: LeaseResolver = {
    resolve: (path: string) => {
      for (const m of mounts) if (path.startsWith(m)) return { secretType: engine, storage: view };
      return undefined;
    },
  };
  const f: Fixture = {
    view,
    engine,
    clock,
    mounts,
    tokensRevoked,
    mgr: undefined as unknown as ExpirationManager,
    make(more: Partial<ExpirationOptions> = {}) {
      const mgr: ExpirationManager = new ExpirationManager({
        view,
        resolver,
        revokeToken: async (hash: string) => {
          tokensRevoked.push(hash);
          await mgr.revokeByToken(hash);
        },
        logger: silentLogger,
        now: () => clock.now,
        random: () => 0.5,
        ...extra,
        ...more,
      });
      return mgr;
    },
  };
  f.mgr = f.make();
  return f;
}

export function secret(over: Partial<SecretSpec> = {}): SecretSpec {
  return { type: 'creds', ttl: 3600, maxTTL: 0, renewable: true, internalData: { username: 'v-ci-1' }, ...over };
}

export function register(
  mgr: ExpirationManager,
  o: { path?: string; tokenHash?: string; secret?: Partial<SecretSpec>; mountMaxTTL?: number } = {},
): Promise<{ leaseId: string; ttl: number; warnings: string[] }> {
  return mgr.registerSecret({
    path: o.path ?? 'db/creds/ro',
    tokenHash: o.tokenHash ?? 'tok1',
    secret: secret(o.secret),
    data: { username: 'v-ci-1', password: 'hunter2' },
    mountAccessor: 'database_7a3c1f2e',
    mountDefaultTTL: MOUNT_TTL,
    mountMaxTTL: o.mountMaxTTL ?? MOUNT_TTL,
  });
}

export function tokenEntry(hash: string, expireTime: number): TokenEntry {
  return {
    hash,
    accessor: 'acc',
    policies: ['default'],
    parentHash: '',
    path: 'auth/token/create',
    meta: null,
    displayName: 'token',
    numUses: 0,
    creationTime: Math.floor(T0 / 1000),
    ttl: 60,
    explicitMaxTTL: 0,
    period: 0,
    role: '',
    entityId: '',
    type: 'service',
    boundCIDRs: [],
    expireTime,
    issueTime: T0,
    lastRenewalTime: 0,
    renewable: true,
    mountAccessor: 'auth_token_1',
    cubbyholeId: 'c1',
  };
}

/** All keys of the view under a prefix. */
export async function keys(view: TestView, prefix = ''): Promise<string[]> {
  return (await view.scan(prefix)).map((e) => e.key);
}
