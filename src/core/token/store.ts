/**
 * The token store (spec/auth.md 1): validates tokens on every request, issues them (token
 * create, logins, response wrapping, root), renews and revokes them. Persistence is in repo.ts;
 * the request-specific rules live in create.ts, login.ts, renew.ts and revoke.ts.
 */
import { badRequest } from '../../errors.ts';
import type { CheckedToken, IssuedToken, TokenEntry, TokenStoreApi } from '../contracts.ts';
import { addressInCidrs } from './cidr.ts';
import { createToken } from './create.ts';
import { authBlock, lookupData } from './describe.ts';
import { isBatchToken, newAccessor, newServiceToken, randomBase62, validateCustomId } from './ids.ts';
import { KeyedMutex } from './lock.ts';
import { issueLoginToken } from './login.ts';
import { isRootPolicySet } from './policies.ts';
import { renewToken } from './renew.ts';
import { TokenRepo } from './repo.ts';
import { revokeOrphan, revokeTree, tidy } from './revoke.ts';
import { applyRoleInput, type RoleInput, type TokenRole } from './roles.ts';
import type { CreateTokenInput, RenewResult, TokenStoreDeps } from './types.ts';

export type { CreateTokenInput, RenewResult, TokenStoreDeps } from './types.ts';

/** A new token's entry before the store assigns its hash, accessor and cubbyhole. */
export type TokenDraft = Omit<TokenEntry, 'hash' | 'accessor' | 'cubbyholeId'>;

/** Valid for use: not pending revocation and not expired. */
export function isLive(entry: TokenEntry, nowMs: number): boolean {
  return entry.numUses >= 0 && (entry.expireTime === 0 || nowMs < entry.expireTime);
}

export class TokenStore implements TokenStoreApi {
  /** @internal shared with the rule modules of this folder. */
  readonly repo: TokenRepo;
  /** @internal */
  readonly lock = new KeyedMutex();
  /** @internal revocations in progress, by root hash (deduplicates concurrent revocations). */
  readonly revoking = new Map<string, Promise<void>>();
  /** @internal */
  tidyRunning: Promise<void> | undefined;

  constructor(readonly deps: TokenStoreDeps) {
    this.repo = new TokenRepo(deps.view);
  }

  /** Loads (or creates, on first use) the salt and the batch-token key. Call after unseal. */
  async setup(): Promise<void> {
    await this.repo.setup();
  }

  /** HA: a key of this store's view was written by another node. */
  invalidate(key: string): void {
    this.repo.invalidate(key);
  }

  now(): number {
    return this.deps.now ? this.deps.now() : Date.now();
  }

  /** The keyed hash a token is known by (its identity in core, audit and leases). */
  hashToken(raw: string): string {
    return this.repo.hashToken(raw);
  }

  // -- validation ------------------------------------------------------------------------------

  async check(raw: string, remoteAddress: string): Promise<CheckedToken | undefined> {
    if (!raw) return undefined;
    const now = this.now();
    const entry = await this.resolve(raw, now, false);
    if (!entry) return undefined;
    if (entry.boundCIDRs.length > 0 && entry.ttl !== 0 && !addressInCidrs(remoteAddress, entry.boundCIDRs)) return undefined;
    if (entry.numUses === 0) return { entry, raw, finalUse: false };
    return this.lock.run(entry.hash, async () => {
      const fresh = await this.repo.load(entry.hash, true);
      if (!fresh || !isLive(fresh, now)) return undefined;
      if (fresh.numUses === 0) return { entry: fresh, raw, finalUse: false };
      const updated: TokenEntry = { ...fresh, numUses: fresh.numUses === 1 ? -1 : fresh.numUses - 1 };
      await this.repo.save(updated);
      return { entry: updated, raw, finalUse: updated.numUses === -1 };
    });
  }

  /**
   * The entry of a presented token if it is valid. `pending` also accepts a token on its final
   * use (num_uses -1): only the token's own self paths see it.
   */
  async resolve(raw: string, now: number, pending: boolean): Promise<TokenEntry | undefined> {
    if (!raw) return undefined;
    if (isBatchToken(raw)) {
      const entry = this.repo.openBatch(raw);
      if (!entry || !isLive(entry, now)) return undefined;
      if (entry.mountAccessor && this.deps.mountActive && !this.deps.mountActive(entry.mountAccessor)) return undefined;
      if (entry.parentHash && !(await this.liveByHash(entry.parentHash, now))) return undefined;
      return entry;
    }
    const entry = await this.repo.load(this.repo.hashToken(raw));
    if (!entry) return undefined;
    if (pending && entry.numUses === -1) return entry.expireTime === 0 || now < entry.expireTime ? entry : undefined;
    return isLive(entry, now) ? entry : undefined;
  }

  private async liveByHash(hash: string, now: number): Promise<TokenEntry | undefined> {
    const entry = await this.repo.load(hash);
    return entry && isLive(entry, now) ? entry : undefined;
  }

  async lookup(raw: string): Promise<TokenEntry | undefined> {
    return this.resolve(raw, this.now(), false);
  }

  /** The caller's own entry, also on its final use (lookup-self shows num_uses -1). */
  async lookupSelf(raw: string): Promise<TokenEntry | undefined> {
    return this.resolve(raw, this.now(), true);
  }

  async lookupByHash(hash: string): Promise<TokenEntry | undefined> {
    return this.liveByHash(hash, this.now());
  }

  async lookupByAccessor(accessor: string): Promise<TokenEntry | undefined> {
    if (!accessor) return undefined;
    const record = await this.repo.accessorRecord(accessor);
    return record ? this.liveByHash(record.tokenHash, this.now()) : undefined;
  }

  /** Every accessor in the index (LIST auth/token/accessors). */
  async listAccessors(): Promise<string[]> {
    const records = await this.repo.accessorRecords();
    return records.flatMap((r) => (r.record?.accessor ? [r.record.accessor] : [])).sort();
  }

  // -- issuing ---------------------------------------------------------------------------------

  /** @internal Persists a new token (service) or seals it (batch) and registers its lease. */
  async mint(draft: TokenDraft, customId?: string): Promise<{ token: string; entry: TokenEntry }> {
    if (draft.type === 'batch') {
      const sealed: TokenEntry = { ...draft, hash: '', accessor: '', cubbyholeId: '' };
      const token = this.repo.sealBatch(sealed);
      return { token, entry: { ...sealed, hash: this.repo.hashToken(token) } };
    }
    let token: string;
    if (customId !== undefined) {
      validateCustomId(customId);
      token = customId;
    } else {
      token = newServiceToken(isRootPolicySet(draft.policies));
    }
    const hash = this.repo.hashToken(token);
    if (customId !== undefined && (await this.repo.load(hash, true))) {
      throw badRequest('cannot create a token with a duplicate ID');
    }
    if (draft.parentHash && !(await this.liveByHash(draft.parentHash, this.now()))) {
      throw badRequest('parent token not found');
    }
    const entry: TokenEntry = { ...draft, hash, accessor: newAccessor(), cubbyholeId: randomBase62(24) };
    await this.repo.insert(entry);
    if (entry.issueTime > 0) {
      try {
        await this.deps.expiration.registerToken(entry);
      } catch (e) {
        await this.revokeOrphan(entry.hash).catch(() => undefined);
        throw e;
      }
    }
    return { token, entry };
  }

  /** @internal The entity's current identity policies ('' entity: none). */
  async identityPolicies(entry: TokenEntry): Promise<string[]> {
    if (!entry.entityId) return [];
    const ctx = await this.deps.identity.contextFor(entry.entityId, entry.meta ?? {});
    return ctx.policies;
  }

  /** @internal Warnings for final policies that do not exist. */
  async missingPolicyWarnings(policies: readonly string[]): Promise<string[]> {
    const warnings: string[] = [];
    for (const p of policies) {
      if ((await this.deps.policies.get(p)) === undefined) warnings.push(`Policy "${p}" does not exist`);
    }
    return warnings;
  }

  /** auth/token/create, create-orphan and create/:role_name (spec/auth.md 1.4). */
  create(input: CreateTokenInput): Promise<IssuedToken> {
    return createToken(this, input);
  }

  issueForLogin(input: Parameters<TokenStoreApi['issueForLogin']>[0]): Promise<IssuedToken> {
    return issueLoginToken(this, input);
  }

  async createWrappingToken(ttl: number, creationPath: string): Promise<IssuedToken> {
    const now = this.now();
    const mount = this.deps.tokenMount();
    const { token, entry } = await this.mint({
      policies: ['response-wrapping'],
      parentHash: '',
      path: creationPath,
      meta: null,
      displayName: '',
      numUses: 1,
      creationTime: Math.floor(now / 1000),
      ttl,
      explicitMaxTTL: ttl,
      period: 0,
      role: '',
      entityId: '',
      type: 'service',
      boundCIDRs: [],
      expireTime: now + ttl * 1000,
      issueTime: now,
      lastRenewalTime: 0,
      renewable: false,
      mountAccessor: mount.accessor,
    });
    const block = authBlock(entry, { clientToken: token, leaseDuration: ttl, renewable: false, identityPolicies: [] });
    return { token, entry, authBlock: block, warnings: [] };
  }

  async createRootToken(id?: string): Promise<IssuedToken> {
    const now = this.now();
    const { token, entry } = await this.mint(
      {
        policies: ['root'],
        parentHash: '',
        path: 'auth/token/root',
        meta: null,
        displayName: 'root',
        numUses: 0,
        creationTime: Math.floor(now / 1000),
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
        mountAccessor: this.deps.tokenMount().accessor,
      },
      id,
    );
    const block = authBlock(entry, { clientToken: token, leaseDuration: 0, renewable: false, identityPolicies: [] });
    return { token, entry, authBlock: block, warnings: [] };
  }

  // -- lookup, renew, revoke -------------------------------------------------------------------

  /** The lookup object of an entry (`id` as presented; '' for lookup-accessor). */
  async describe(entry: TokenEntry, id: string): Promise<Record<string, unknown>> {
    return lookupData(entry, { id, nowMs: this.now(), identityPolicies: await this.identityPolicies(entry) });
  }

  /** Renews a valid entry; `clientToken` is what the auth block shows ('' for renew-accessor). */
  renew(entry: TokenEntry, increment: number, clientToken: string): Promise<RenewResult> {
    return renewToken(this, entry, increment, clientToken);
  }

  revokeTree(hash: string): Promise<void> {
    return revokeTree(this, hash);
  }

  /** Revokes only this token; its children become orphans. */
  revokeOrphan(hash: string): Promise<void> {
    return revokeOrphan(this, hash);
  }

  async revokeByMount(mountAccessor: string): Promise<void> {
    for (const hash of await this.repo.mountTokens(mountAccessor)) {
      await this.revokeTree(hash);
      await this.repo.unlinkMount(mountAccessor, hash);
    }
  }

  /** Starts a cleanup of dangling indexes; false when one is already running. */
  tidy(): { started: boolean; done: Promise<void> } {
    if (this.tidyRunning) return { started: false, done: this.tidyRunning };
    // Never rejects: tidy is fire-and-forget from the endpoint's point of view.
    const done = tidy(this)
      .catch(() => undefined)
      .finally(() => {
        this.tidyRunning = undefined;
      });
    this.tidyRunning = done;
    return { started: true, done };
  }

  // -- roles -----------------------------------------------------------------------------------

  async getRole(name: string): Promise<TokenRole | undefined> {
    if (!name) return undefined;
    return this.repo.getRoleRaw<TokenRole>(name);
  }

  listRoles(): Promise<string[]> {
    return this.repo.listRoles();
  }

  /** Creates or updates a role (omitted fields keep their value); returns warnings. */
  async writeRole(name: string, input: RoleInput): Promise<string[]> {
    const existing = await this.getRole(name);
    const { role, warnings } = applyRoleInput(name, existing, input, this.deps.tokenMount().maxTTL);
    await this.repo.putRoleRaw(name, role);
    return warnings;
  }

  deleteRole(name: string): Promise<void> {
    return this.repo.deleteRole(name);
  }
}
