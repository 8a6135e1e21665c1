/**
 * Core: owns the barrier and seal, the mount table and router, and the services (tokens,
 * policies, leases, identity, wrapping), and runs every request through one pipeline
 * (pipeline.ts). Sealing tears the services down; unsealing builds them from storage.
 */
import { randomUUID } from 'node:crypto';
import { Barrier } from '../barrier/barrier.ts';
import { SealManager } from '../barrier/seal.ts';
import type { StorageView } from '../barrier/storage-view.ts';
import { badRequest, sealed as sealedError } from '../errors.ts';
import { buildOpenApi } from '../framework/openapi.ts';
import { compileBackend } from '../framework/router.ts';
import type { Backend, CoreResult, Logger, MountInfo, SystemView } from '../framework/types.ts';
import type { Physical } from '../storage/physical.ts';
import { AuditBroker } from './audit.ts';
import type {
  ACL,
  CoreFacade,
  HealthState,
  LogicalHttpRequest,
  MountEntry,
  MountKind,
  SealStatus,
  SystemServices,
  TokenEntry,
} from './contracts.ts';
import { ExpirationManager } from './expiration/manager.ts';
import { IdentityStore, entityDisabled } from './identity/store.ts';
import { MountTable } from './mounts.ts';
import { runPipeline } from './pipeline.ts';
import { PasswordPolicyStore } from './password/store.ts';
import { renderPolicies } from './policy/render.ts';
import { PolicyStore } from './policy/store.ts';
import type { EngineRegistry } from './registry.ts';
import { Router } from './router.ts';
import { initCore, type InitRequest } from './init.ts';
import { TokenStore } from './token/store.ts';
import { Wrapping } from './wrapping/wrapping.ts';
import { KEEP_VERSION, BUILD_DATE } from './version.ts';

export type SealConfig = { type: 'shamir' } | { type: 'static'; key: Buffer; keyId: string; previousKey?: Buffer; previousKeyId?: string };

export interface CoreOptions {
  physical: Physical;
  seal: SealConfig;
  engines: EngineRegistry;
  logger: Logger;
  defaultLeaseTTL?: number;
  maxLeaseTTL?: number;
  clusterName?: string;
  /** Expiration worker interval (tests shorten it). */
  expirationIntervalMs?: number;
  /** Interval of backends' periodic functions. */
  periodicIntervalMs?: number;
}

const SYSTEM_TTL = 2764800;

/** The services that exist only while unsealed. */
export interface Unsealed {
  router: Router;
  mounts: MountTable;
  policies: PolicyStore;
  tokens: TokenStore;
  expiration: ExpirationManager;
  identity: IdentityStore;
  wrapping: Wrapping;
  services: SystemServices;
  cluster: { name: string; id: string };
}

export class Core implements CoreFacade {
  readonly barrier: Barrier;
  readonly sealManager: SealManager;
  readonly audit = new AuditBroker();
  readonly logger: Logger;
  readonly system: { defaultLeaseTTL: number; maxLeaseTTL: number };
  private state: Unsealed | undefined;
  private unsealing: Promise<void> | undefined;

  constructor(readonly options: CoreOptions) {
    this.logger = options.logger;
    this.barrier = new Barrier(options.physical);
    this.sealManager = new SealManager(options.physical, this.barrier, options.seal);
    this.system = {
      defaultLeaseTTL: options.defaultLeaseTTL || SYSTEM_TTL,
      maxLeaseTTL: options.maxLeaseTTL || SYSTEM_TTL,
    };
  }

  /** Auto-unseals a static-seal server that is already initialized. */
  async start(): Promise<void> {
    if (this.options.seal.type === 'static' && (await this.sealManager.initialized())) {
      await this.sealManager.autoUnseal();
      await this.postUnseal();
    }
  }

  isSealed(): boolean {
    return this.state === undefined;
  }

  /** The unsealed services; throws 503 when sealed. */
  get live(): Unsealed {
    if (!this.state) throw sealedError();
    return this.state;
  }

  // ---------------------------------------------------------------------------------------------
  // The logical pipeline

  handle(req: LogicalHttpRequest): Promise<CoreResult> {
    // Not an async function (one promise less per request); sealed still rejects, as `live` would.
    const state = this.state;
    if (!state) return Promise.reject(sealedError());
    return runPipeline(this, state, req);
  }

  // ---------------------------------------------------------------------------------------------
  // Seal life cycle

  async initialized(): Promise<boolean> {
    return this.sealManager.initialized();
  }

  async sealStatus(): Promise<SealStatus> {
    const s = await this.sealManager.status();
    const status: SealStatus = {
      type: s.type,
      initialized: s.initialized,
      sealed: this.state === undefined,
      t: s.t,
      n: s.n,
      progress: s.progress,
      nonce: s.nonce,
      version: KEEP_VERSION,
      build_date: BUILD_DATE,
      migration: false,
      recovery_seal: s.recoverySeal,
      storage_type: this.options.physical.type,
    };
    if (s.recoverySeal) status.recovery_seal_type = 'shamir';
    if (this.state) {
      status.cluster_name = this.state.cluster.name;
      status.cluster_id = this.state.cluster.id;
    }
    return status;
  }

  async init(body: Record<string, unknown>): Promise<Record<string, unknown>> {
    return initCore(this, body as InitRequest);
  }

  async unseal(body: Record<string, unknown>): Promise<SealStatus> {
    if (!(await this.sealManager.initialized())) throw badRequest('Vault is not initialized');
    const lower: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(body)) lower[k.toLowerCase()] = v;
    const reset = lower.reset === true || lower.reset === 'true';
    if (reset) {
      if (this.state) throw badRequest('vault is unsealed');
      this.sealManager.resetUnseal();
      return this.sealStatus();
    }
    if (typeof lower.key !== 'string' || lower.key === '') {
      throw badRequest("'key' must be specified in request body as JSON, or 'reset' set to true");
    }
    if (this.state) return this.sealStatus();
    await this.sealManager.submitUnsealKey(lower.key);
    if (!this.barrier.sealed) await this.postUnseal();
    return this.sealStatus();
  }

  async seal(): Promise<void> {
    const state = this.state;
    this.state = undefined;
    this.stopPeriodic();
    if (state) await state.expiration.stop();
    this.sealManager.seal();
  }

  async health(): Promise<HealthState> {
    const initialized = await this.sealManager.initialized();
    const h: HealthState = { initialized, sealed: this.state === undefined, standby: this.state === undefined, version: KEEP_VERSION };
    if (this.state) {
      h.cluster_name = this.state.cluster.name;
      h.cluster_id = this.state.cluster.id;
    }
    return h;
  }

  async leader(): Promise<Record<string, unknown>> {
    return {
      ha_enabled: false,
      is_self: false,
      active_time: '0001-01-01T00:00:00Z',
      leader_address: '',
      leader_cluster_address: '',
      performance_standby: false,
      performance_standby_last_remote_wal: 0,
    };
  }

  /** Builds every service from storage once the barrier is unsealed. */
  async postUnseal(): Promise<void> {
    if (this.state) return;
    if (this.unsealing) return this.unsealing;
    this.unsealing = this.buildServices().finally(() => {
      this.unsealing = undefined;
    });
    return this.unsealing;
  }

  private async buildServices(): Promise<void> {
    const view = (prefix: string): StorageView => this.barrier.view(prefix);
    const coreView = view('');
    const cluster = await this.loadCluster(coreView);
    const router = new Router();
    const engines = this.options.engines;
    // Late-bound references: the services reference each other through these closures.
    // eslint-disable-next-line prefer-const
    let tokens: TokenStore;
    // eslint-disable-next-line prefer-const
    let expiration: ExpirationManager;
    // eslint-disable-next-line prefer-const
    let services: SystemServices;

    const policies = new PolicyStore(view('sys/policy/'));
    const identity = new IdentityStore({
      view: view('sys/identity/'),
      mountTypeOf: (accessor: string) => {
        for (const r of router.all()) {
          if (r.entry.accessor === accessor) return { type: r.entry.type, path: r.prefix };
        }
        return undefined;
      },
    });

    const mountInfo = (kind: MountKind, entry: MountEntry, prefix: string): MountInfo => ({
      path: prefix,
      type: entry.type,
      accessor: entry.accessor,
      uuid: entry.uuid,
      options: entry.options,
      local: entry.local,
      defaultLeaseTTL: () => mounts.effectiveTTLs(currentEntry(kind, entry)).defaultTTL,
      maxLeaseTTL: () => mounts.effectiveTTLs(currentEntry(kind, entry)).maxTTL,
    });
    const currentEntry = (kind: MountKind, entry: MountEntry): MountEntry =>
      mounts.list(kind).find((e) => e.uuid === entry.uuid) ?? entry;
    const storageOf = (kind: MountKind, entry: MountEntry): StorageView =>
      view(kind === 'auth' ? `auth/${entry.uuid}/` : `logical/${entry.uuid}/`);

    const mounts: MountTable = new MountTable(coreView, this.system, {
      knows: (kind, type) => (kind === 'auth' ? type in engines.auth : type in engines.secret),
      attach: async (kind, entry) => {
        const prefix = kind === 'auth' ? `auth/${entry.path}` : entry.path;
        const storage = storageOf(kind, entry);
        const mount = mountInfo(kind, entry, prefix);
        let backend: Backend;
        if (kind === 'auth' && entry.type === 'token') backend = engines.token(tokens);
        else if (kind === 'secret' && entry.type === 'system') backend = engines.system(services);
        else if (kind === 'secret' && entry.type === 'identity') backend = engines.identity(identity);
        else {
          const factory = kind === 'auth' ? engines.auth[entry.type] : engines.secret[entry.type];
          if (!factory) throw badRequest(`plugin not found in the catalog: ${entry.type}`);
          backend = await factory({ storage, mount, logger: this.logger, system: systemView });
        }
        if (backend.init) await backend.init();
        router.add({ kind, entry, prefix, backend, compiled: compileBackend(backend), storage, mount });
      },
      detach: async (kind, entry) => {
        const prefix = kind === 'auth' ? `auth/${entry.path}` : entry.path;
        const r = router.remove(prefix);
        if (r?.backend.cleanup) await r.backend.cleanup();
      },
      revokeIssued: async (kind, entry) => {
        const prefix = kind === 'auth' ? `auth/${entry.path}` : entry.path;
        await expiration.revokePrefix(prefix, { sync: true, force: true });
        if (kind === 'auth') await tokens.revokeByMount(entry.accessor);
      },
      wipe: async (kind, entry) => {
        const storage = storageOf(kind, entry);
        await wipeView(storage);
      },
      upgradeKv: async (entry) => engines.kvUpgrade(storageOf('secret', entry)),
    });

    const passwordPolicies = new PasswordPolicyStore(view('sys/password-policy/'));
    const systemView: SystemView = {
      generatePassword: (policyName?: string) => passwordPolicies.generate(policyName),
      renderPolicies: (names: string[], tokenMetadata: Record<string, string>) =>
        renderPolicies(policies, names, { groups: [], tokenMetadata }),
    };

    const cubbyholeOf = (entry: TokenEntry): StorageView => {
      const r = router.get('cubbyhole/');
      if (!r) throw new Error('cubbyhole mount missing');
      return r.storage.sub(`${entry.cubbyholeId}/`);
    };

    expiration = new ExpirationManager({
      view: view('sys/expire/'),
      resolver: {
        resolve: (path: string, type?: string) => {
          const r = router.match(path);
          if (!r?.backend.secrets) return undefined;
          const secretType = (type !== undefined ? r.backend.secrets[type] : undefined) ?? Object.values(r.backend.secrets)[0];
          if (!secretType) return undefined;
          const ttl = mounts.effectiveTTLs(r.entry);
          return { secretType, storage: r.storage, mountDefaultTTL: ttl.defaultTTL, mountMaxTTL: ttl.maxTTL };
        },
      },
      revokeToken: (hash: string) => tokens.revokeTree(hash),
      tokenExists: async (hash: string) => (await tokens.lookupByHash(hash)) !== undefined,
      logger: this.logger,
      workerIntervalMs: this.options.expirationIntervalMs,
    });

    tokens = new TokenStore({
      view: view('sys/token/'),
      policies,
      expiration,
      identity,
      tokenMount: () => {
        const e = mounts.get('auth', 'token/');
        const ttl = e ? mounts.effectiveTTLs(e) : { defaultTTL: this.system.defaultLeaseTTL, maxTTL: this.system.maxLeaseTTL };
        return { accessor: e?.accessor ?? '', defaultTTL: ttl.defaultTTL, maxTTL: ttl.maxTTL, tokenType: e?.config.token_type ?? 'default-service' };
      },
      onRevoke: async (entry: TokenEntry) => {
        await wipeView(cubbyholeOf(entry));
      },
      authRenew: async (entry: TokenEntry) => {
        const r = router.all().find((x) => x.entry.accessor === entry.mountAccessor);
        if (!r?.backend.authRenew) return {};
        return r.backend.authRenew(entry.internalData ?? {});
      },
      mountTTLs: (accessor: string) => {
        const r = router.all().find((x) => x.entry.accessor === accessor);
        if (!r) return undefined;
        const t = mounts.effectiveTTLs(r.entry);
        return { defaultTTL: t.defaultTTL, maxTTL: t.maxTTL };
      },
      mountActive: (accessor: string) => router.all().some((x) => x.entry.accessor === accessor),
    });

    const wrapping = new Wrapping({ tokens, cubbyhole: cubbyholeOf });

    const aclFor = (entry: TokenEntry): Promise<ACL> => {
      if (!entry.entityId && entry.meta === null) return policies.acl(entry.policies);
      return identityAcl(entry);
    };
    const identityAcl = async (entry: TokenEntry): Promise<ACL> => {
      const ctx = await identity.contextFor(entry.entityId, entry.meta ?? {});
      if (ctx.entityDisabled) throw entityDisabled();
      const names = ctx.policies.length > 0 ? [...entry.policies, ...ctx.policies] : entry.policies;
      return policies.acl(names, ctx.identity);
    };

    services = {
      mounts,
      policies,
      tokens,
      expiration,
      wrapping,
      identity,
      passwordPolicies,
      aclFor,
      seal: () => this.seal(),
      rotateKey: () => this.barrier.rotate(),
      keyStatus: () => this.barrier.keyStatus(),
      openapi: async () => buildOpenApi(router.all().map((r) => ({ path: r.prefix, backend: r.backend }))),
      help: async (path: string) => {
        const r = router.match(path);
        if (!r) throw badRequest(`no handler for route "${path}". route entry not found.`);
        const doc = buildOpenApi([{ path: r.prefix, backend: r.backend }]);
        return { help: helpText(r.backend, path.slice(r.prefix.length)), openapi: doc };
      },
      cluster,
      version: KEEP_VERSION,
      system: this.system,
    };

    await policies.setupBuiltins();
    await tokens.setup();
    await mounts.load();
    const state: Unsealed = { router, mounts, policies, tokens, expiration, identity, wrapping, services, cluster };
    this.state = state;
    expiration.start();
    this.startPeriodic(router);
  }

  private periodicTimer: NodeJS.Timeout | undefined;

  /** Runs every backend's periodic function, one pass at a time, while unsealed. */
  private startPeriodic(router: Router): void {
    let running = false;
    const tick = async () => {
      if (running || !this.state) return;
      running = true;
      try {
        for (const r of router.all()) {
          if (!r.backend.periodic || !this.state) continue;
          try {
            await r.backend.periodic();
          } catch (e) {
            this.logger.error('periodic function failed', { mount: r.prefix, error: (e as Error).message });
          }
        }
      } finally {
        running = false;
      }
    };
    this.periodicTimer = setInterval(() => void tick(), this.options.periodicIntervalMs ?? 1000);
    this.periodicTimer.unref();
  }

  private stopPeriodic(): void {
    if (this.periodicTimer) clearInterval(this.periodicTimer);
    this.periodicTimer = undefined;
  }

  private async loadCluster(view: StorageView): Promise<{ name: string; id: string }> {
    const existing = await view.getJSON<{ name: string; id: string }>('core/cluster');
    if (existing) return existing;
    const id = randomUUID();
    const cluster = { name: this.options.clusterName || `keep-cluster-${id.slice(0, 8)}`, id };
    await view.putJSON('core/cluster', cluster);
    return cluster;
  }

  /** Closes the storage after stopping background work. */
  async close(): Promise<void> {
    this.stopPeriodic();
    if (this.state) await this.state.expiration.stop();
    for (const r of this.state?.router.all() ?? []) if (r.backend.cleanup) await r.backend.cleanup().catch(() => undefined);
    await this.options.physical.close();
  }
}

async function wipeView(storage: StorageView): Promise<void> {
  for (;;) {
    const batch = await storage.scan('', { limit: 1000 });
    if (batch.length === 0) return;
    await storage.transaction(batch.map((e) => ({ op: 'delete' as const, key: e.key })));
  }
}

function helpText(backend: Backend, relPath: string): string {
  for (const def of backend.paths) {
    if (new RegExp(`^${def.pattern}$`).test(relPath)) {
      const lines = [`Request:        ${relPath}`, `Matching Route: ^${def.pattern}$`, '', def.synopsis ?? '', '', def.description ?? ''];
      const fields = Object.entries(def.fields);
      if (fields.length > 0) {
        lines.push('', '## PARAMETERS', '');
        for (const [name, spec] of fields) lines.push(`${name} (${spec.type})`, `    ${spec.description ?? ''}`, '');
      }
      return lines.join('\n').trim();
    }
  }
  return `no help for ${relPath}`;
}
