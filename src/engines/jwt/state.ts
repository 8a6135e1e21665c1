/**
 * The in-memory state of one JWT mount: the config (and the trust set built from it, which owns
 * the discovery and JWKS caches), the roles with their compiled claims_condition (cached per
 * role write), and the replay guard. Writes on this node reset what they change; `invalidate`
 * does the same for writes made by another node.
 */
import type { Logger, StorageView } from '../../framework/types.ts';
import { completeRole, type JwtRole } from './role-model.ts';
import { compileCondition, type CompiledCondition } from './condition.ts';
import type { JwtConfig } from './config-model.ts';
import type { DiscoveryDoc } from './discovery.ts';
import type { FetchResult } from './fetch.ts';
import { buildTrustSet, type TrustSet } from './issuers.ts';
import { ReplayGuard } from './replay.ts';
import { CONFIG_KEY, REPLAY_PREFIX, ROLE_PREFIX, getDoc, putDoc } from './storage.ts';

export interface JwtOptions {
  /** Clock, unix ms (tests). */
  now?: () => number;
  /** Deadline of a discovery or JWKS fetch (default 5 s). */
  fetchTimeoutMs?: number;
  /** HTTP GET used for discovery and JWKS (tests). */
  get?: (url: string, opts: { caPem?: string; timeoutMs?: number }) => Promise<FetchResult>;
  /**
   * Optional: renders the templated paths of policies for a would-be token's metadata (explain).
   * Without it, explain returns policy names only.
   */
  renderPolicies?: (policies: string[], tokenMetadata: Record<string, string>) => Promise<unknown>;
}

export interface LoadedRole {
  name: string;
  role: JwtRole;
  /** The compiled claims_condition (undefined when the role has none). */
  condition?: CompiledCondition;
  /** Set when a stored condition no longer compiles. */
  conditionError?: string;
}

const PRUNE_EVERY = 100;

interface ConfigSlot {
  config: JwtConfig | undefined;
  trust?: Promise<TrustSet>;
}

export class JwtState {
  readonly replay: ReplayGuard;
  private configSlot: Promise<ConfigSlot> | undefined;
  private primed = new Map<string, DiscoveryDoc>();
  private readonly roles = new Map<string, LoadedRole>();

  constructor(
    readonly storage: StorageView,
    readonly opts: Required<Pick<JwtOptions, 'now' | 'fetchTimeoutMs'>> & JwtOptions,
    readonly logger: Logger,
  ) {
    this.replay = new ReplayGuard(storage.sub(REPLAY_PREFIX), () => opts.now() / 1000);
  }

  private consumed = 0;

  /** Records a single-use token; false for a replay. Prunes expired records now and then. */
  async consumeOnce(key: string, untilSeconds: number): Promise<boolean> {
    const fresh = await this.replay.consume(key, untilSeconds);
    if (fresh && ++this.consumed % PRUNE_EVERY === 0) {
      this.replay.prune().catch((e: unknown) => {
        this.logger.warn('jwt replay record prune failed', { error: e instanceof Error ? e.message : String(e) });
      });
    }
    return fresh;
  }

  get fetchDeps() {
    return { now: this.opts.now, timeoutMs: this.opts.fetchTimeoutMs, get: this.opts.get };
  }

  private loadConfig(): Promise<ConfigSlot> {
    this.configSlot ??= getDoc<JwtConfig>(this.storage, CONFIG_KEY).then(
      (config) => ({ config }),
      (e: unknown) => {
        this.configSlot = undefined;
        throw e;
      },
    );
    return this.configSlot;
  }

  async getConfig(): Promise<JwtConfig | undefined> {
    return (await this.loadConfig()).config;
  }

  /** The trust set of the current config (built once); rejects with Error(cause) if stored keys do not parse. */
  async trust(): Promise<TrustSet> {
    const slot = await this.loadConfig();
    if (!slot.config) throw new Error('could not load configuration');
    const config = slot.config;
    slot.trust ??= Promise.resolve().then(() => buildTrustSet(config, this.fetchDeps, this.primed));
    return slot.trust;
  }

  async putConfig(config: JwtConfig, primed: Map<string, DiscoveryDoc>): Promise<void> {
    await putDoc(this.storage, CONFIG_KEY, config);
    this.primed = primed;
    this.configSlot = undefined;
  }

  async getRole(name: string): Promise<LoadedRole | undefined> {
    const hit = this.roles.get(name);
    if (hit) return hit;
    const stored = await getDoc<Partial<JwtRole>>(this.storage, ROLE_PREFIX + name);
    if (!stored) return undefined;
    const loaded = this.compile(name, completeRole(stored));
    this.roles.set(name, loaded);
    return loaded;
  }

  compile(name: string, role: JwtRole, condition?: CompiledCondition): LoadedRole {
    if (role.claims_condition === '') return { name, role };
    if (condition) return { name, role, condition };
    try {
      return { name, role, condition: compileCondition(role.claims_condition) };
    } catch (e) {
      return { name, role, conditionError: e instanceof Error ? e.message : String(e) };
    }
  }

  async putRole(name: string, role: JwtRole, condition?: CompiledCondition): Promise<void> {
    await putDoc(this.storage, ROLE_PREFIX + name, role);
    this.roles.set(name, this.compile(name, role, condition));
  }

  async deleteRole(name: string): Promise<void> {
    await this.storage.delete(ROLE_PREFIX + name);
    this.roles.delete(name);
  }

  listRoles(): Promise<string[]> {
    return this.storage.list(ROLE_PREFIX);
  }

  invalidate(key: string): void {
    if (key === CONFIG_KEY) {
      this.configSlot = undefined;
      this.primed = new Map();
    } else if (key.startsWith(ROLE_PREFIX)) {
      this.roles.delete(key.slice(ROLE_PREFIX.length));
    }
  }
}
