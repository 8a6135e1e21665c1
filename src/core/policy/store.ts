/**
 * The ACL policy store (spec/core.md 2.7, 3.5, 3.9; spec/auth.md 4.5).
 *
 * Policies live in a barrier view (core passes `sys/policy/`), one key per lower-cased name, as
 * `{ "name": ..., "policy": "<raw text>" }`. Parsed policies are cached by name and merged ACLs by
 * their sorted policy names (plus, when templates are involved, the values the templates resolved
 * to for this identity). Every write clears the caches; `invalidate()` does the same for writes
 * made by another node.
 */
import { badRequest, internalError } from '../../errors.ts';
import type { ACL, IdentityContext, PolicyStoreApi } from '../contracts.ts';
import type { StorageView } from '../../framework/types.ts';
import { PolicyACL, ROOT_ACL } from './acl.ts';
import {
  DEFAULT_POLICY,
  DEFAULT_POLICY_NAME,
  IMMUTABLE_POLICIES,
  RESPONSE_WRAPPING_POLICY,
  RESPONSE_WRAPPING_POLICY_NAME,
  ROOT_POLICY_NAME,
} from './builtin.ts';
import { parsePolicy } from './parse.ts';
import { resolveTemplate } from './template.ts';
import type { ConcretePolicy, ParsedPolicy, PolicyRule } from './types.ts';

interface StoredPolicy {
  name: string;
  policy: string;
}

const HIDDEN_FROM_LIST: ReadonlySet<string> = IMMUTABLE_POLICIES;
const DEFAULT_ACL_CACHE_SIZE = 1024;
const EMPTY: ParsedPolicy = { rules: [], templated: false };

/** Policy names are case-insensitive: trimmed and lower-cased everywhere. */
export function normalizePolicyName(name: string): string {
  return name.trim().toLowerCase();
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * The `policy` body of a policy write may be base64 (spec/core.md 2.7): when the value is valid
 * standard (padded) base64 that decodes to valid UTF-8, the decoded text is returned; otherwise
 * the input unchanged. Line breaks inside the base64 are ignored, as Go's decoder does.
 */
export function decodePolicyText(text: string): string {
  const compact = text.replace(/[\r\n]/g, '');
  if (compact === '' || compact.length % 4 !== 0 || !BASE64.test(compact)) return text;
  const bytes = Buffer.from(compact, 'base64');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return text;
  }
}

/** The part of a resolved policy that varies per identity, for the ACL cache key. */
function resolvePolicy(name: string, parsed: ParsedPolicy, identity: IdentityContext | undefined, keyParts: string[]): ConcretePolicy {
  if (!parsed.templated) return { name, rules: parsed.rules };
  const rules: PolicyRule[] = [];
  for (const rule of parsed.rules) {
    if (!rule.templated) {
      rules.push(rule);
      continue;
    }
    let path = resolveTemplate(rule.path, identity);
    if (path !== undefined) {
      if (path.startsWith('/')) path = path.slice(1);
      if (path.includes('+*')) path = undefined;
    }
    keyParts.push(path === undefined ? '\u0001' : path);
    if (path !== undefined) rules.push({ ...rule, path, templated: false });
  }
  return { name, rules };
}

/** Key of a policy list exactly as given (before normalising); unambiguous for any names. */
function givenKey(policies: readonly string[]): string {
  return policies.length === 1 ? `\u0001${policies[0]}` : JSON.stringify(policies);
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export class PolicyStore implements PolicyStoreApi {
  private readonly parsed = new Map<string, ParsedPolicy | null>();
  private readonly acls = new Map<string, ACL>();
  /**
   * ACLs of requests without an identity, by the policy list as given: a hit skips normalising,
   * sorting and key building. Same bound and invalidation as `acls`.
   */
  private readonly plainAcls = new Map<string, ACL>();
  /** The ACL last built for a list object, with a copy to tell whether it still holds the same names. */
  private readonly lastList = new WeakMap<readonly string[], { generation: number; copy: string[]; acl: ACL }>();
  private generation = 0;
  private readonly aclCacheSize: number;
  private responseWrapping: ParsedPolicy | undefined;

  constructor(
    private readonly view: StorageView,
    opts: { aclCacheSize?: number } = {},
  ) {
    this.aclCacheSize = opts.aclCacheSize ?? DEFAULT_ACL_CACHE_SIZE;
  }

  async list(): Promise<string[]> {
    const entries = await this.view.scan('');
    return entries
      .map((e) => e.key)
      .filter((k) => !HIDDEN_FROM_LIST.has(k))
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }

  async get(name: string): Promise<string | undefined> {
    const n = normalizePolicyName(name);
    if (n === ROOT_POLICY_NAME) return '';
    if (n === '') return undefined;
    const stored = await this.view.getJSON<StoredPolicy>(n);
    return stored?.policy;
  }

  async set(name: string, text: string): Promise<void> {
    const n = normalizePolicyName(name);
    if (n === '') throw badRequest('policy name must be provided');
    if (IMMUTABLE_POLICIES.has(n)) throw badRequest(`cannot update "${n}" policy`);
    if (text === '') throw badRequest("'policy' parameter not supplied or empty");
    parsePolicy(text);
    await this.write(n, text);
  }

  async delete(name: string): Promise<void> {
    const n = normalizePolicyName(name);
    if (n === DEFAULT_POLICY_NAME) throw badRequest('cannot delete default policy');
    if (IMMUTABLE_POLICIES.has(n)) throw badRequest(`cannot delete "${n}" policy`);
    if (n === '') return;
    await this.view.delete(n);
    this.invalidate(n);
  }

  async setupBuiltins(): Promise<void> {
    if ((await this.view.getJSON<StoredPolicy>(DEFAULT_POLICY_NAME)) === undefined) {
      await this.write(DEFAULT_POLICY_NAME, DEFAULT_POLICY);
    }
    await this.write(RESPONSE_WRAPPING_POLICY_NAME, RESPONSE_WRAPPING_POLICY);
  }

  /** Drops cached parsed policies (one name, or all) and every cached ACL. */
  invalidate(name?: string): void {
    this.generation++;
    if (name === undefined) this.parsed.clear();
    else this.parsed.delete(normalizePolicyName(name));
    this.acls.clear();
    this.plainAcls.clear();
  }

  async acl(policies: string[], identity?: IdentityContext): Promise<ACL> {
    if (identity !== undefined) return this.build(policies, identity);
    // Hot path: the same list object as last time (a cached token entry's), unchanged.
    const last = this.lastList.get(policies);
    if (last !== undefined && last.generation === this.generation && sameList(last.copy, policies)) return last.acl;
    const key = givenKey(policies);
    const hit = this.plainAcls.get(key);
    const gen = this.generation;
    const acl = hit ?? (await this.build(policies, undefined));
    if (gen === this.generation) this.lastList.set(policies, { generation: gen, copy: policies.slice(), acl });
    if (hit === undefined && gen === this.generation) {
      this.plainAcls.set(key, acl);
      if (this.plainAcls.size > this.aclCacheSize) {
        const oldest = this.plainAcls.keys().next().value;
        if (oldest !== undefined) this.plainAcls.delete(oldest);
      }
    }
    return acl;
  }

  private async build(policies: string[], identity: IdentityContext | undefined): Promise<ACL> {
    const names = [...new Set(policies.map(normalizePolicyName).filter((p) => p !== ''))].sort();
    if (names.includes(ROOT_POLICY_NAME)) {
      if (names.length === 1) return ROOT_ACL;
      throw internalError('other policies present along with root');
    }
    const gen = this.generation;
    // Hot path: every policy already parsed and cached, no storage round trip.
    let parsed = names.map((n) => this.peek(n));
    if (parsed.some((p) => p === undefined)) parsed = await Promise.all(names.map((n) => this.load(n, gen)));
    const keyParts = [names.join('\n')];
    const concrete = names.map((n, i) => resolvePolicy(n, parsed[i] ?? EMPTY, identity, keyParts));
    const key = keyParts.join('\u0000');
    const hit = this.acls.get(key);
    if (hit) {
      // Refresh its place in the LRU order.
      this.acls.delete(key);
      this.acls.set(key, hit);
      return hit;
    }
    const acl = new PolicyACL(concrete);
    if (gen === this.generation) {
      this.acls.set(key, acl);
      if (this.acls.size > this.aclCacheSize) {
        const oldest = this.acls.keys().next().value;
        if (oldest !== undefined) this.acls.delete(oldest);
      }
    }
    return acl;
  }

  private async write(name: string, text: string): Promise<void> {
    const value: StoredPolicy = { name, policy: text };
    await this.view.putJSON(name, value);
    this.invalidate(name);
  }

  /** The cached parsed policy, or undefined when it must be loaded. */
  private peek(name: string): ParsedPolicy | undefined {
    if (name === RESPONSE_WRAPPING_POLICY_NAME) {
      this.responseWrapping ??= parsePolicy(RESPONSE_WRAPPING_POLICY);
      return this.responseWrapping;
    }
    const cached = this.parsed.get(name);
    return cached === undefined ? undefined : (cached ?? EMPTY);
  }

  /** A parsed policy by name; unknown names (and unreadable texts) act as empty policies. */
  private async load(name: string, gen: number): Promise<ParsedPolicy> {
    const cached = this.peek(name);
    if (cached) return cached;
    const stored = await this.view.getJSON<StoredPolicy>(name);
    let parsed: ParsedPolicy | null = null;
    if (stored && typeof stored.policy === 'string') {
      try {
        parsed = parsePolicy(stored.policy);
      } catch {
        // Stored texts were validated on write; one that no longer parses grants nothing.
        parsed = EMPTY;
      }
    }
    if (gen === this.generation) this.parsed.set(name, parsed);
    return parsed ?? EMPTY;
  }
}
