/**
 * Response wrapping (spec/core.md 2.10): the original envelope is kept, as serialised text, in
 * the cubbyhole of a single-use token whose only policy is `response-wrapping`.
 *
 * Cubbyhole layout (as the cubbyhole engine stores data maps, so `vault read cubbyhole/response`
 * with the wrapping token works like Vault's):
 *   response   {"response": "<envelope JSON text>"}
 *   wrapinfo   {"creation_ttl": s, "creation_time": RFC 3339, "creation_path": path[, "wrapped_accessor"]}
 */
import type { TokenEntry, TokenStoreApi, WrappingApi } from '../contracts.ts';
import type { StorageView, WrapInfo } from '../../framework/types.ts';
import { badRequest } from '../../errors.ts';
import { stringifyJson } from '../../framework/json.ts';
import { rfc3339Nano } from '../../framework/time.ts';

export const WRAPPING_POLICY = 'response-wrapping';
export const INVALID_WRAPPING_TOKEN = 'wrapping token is not valid or does not exist';

interface StoredWrapInfo {
  creation_ttl: number;
  creation_time: string;
  creation_path: string;
  wrapped_accessor?: string;
}

export interface WrappingOptions {
  tokens: Pick<TokenStoreApi, 'createWrappingToken' | 'lookup' | 'revokeTree'>;
  /** The token's cubbyhole view (core provides). */
  cubbyhole: (entry: TokenEntry) => StorageView;
  now?: () => number;
}

const invalid = () => badRequest(INVALID_WRAPPING_TOKEN);

export class Wrapping implements WrappingApi {
  private readonly tokens: WrappingOptions['tokens'];
  private readonly cubbyhole: (entry: TokenEntry) => StorageView;
  private readonly now: () => number;
  /** Wrapping tokens being unwrapped or rewrapped here: a second concurrent use is refused. */
  private readonly claimed = new Set<string>();

  constructor(o: WrappingOptions) {
    this.tokens = o.tokens;
    this.cubbyhole = o.cubbyhole;
    this.now = o.now ?? Date.now;
  }

  async wrap(envelope: Record<string, unknown>, ttl: number, creationPath: string, wrappedAccessor?: string): Promise<WrapInfo> {
    return this.store(stringifyJson(envelope), ttl, creationPath, wrappedAccessor);
  }

  async unwrap(token: string): Promise<string> {
    return this.withClaim(token, async (entry) => {
      const text = await this.response(entry);
      // Revoked before the text leaves: a wrapped secret is released at most once.
      await this.tokens.revokeTree(entry.hash);
      return text;
    });
  }

  async lookup(token: string): Promise<{ creation_ttl: number; creation_time: string; creation_path: string }> {
    const entry = await this.validate(token);
    const info = await this.wrapInfo(entry);
    return { creation_ttl: info.creation_ttl, creation_time: info.creation_time, creation_path: info.creation_path };
  }

  async rewrap(token: string): Promise<WrapInfo> {
    return this.withClaim(token, async (entry) => {
      const text = await this.response(entry);
      const info = await this.wrapInfo(entry);
      const fresh = await this.store(text, info.creation_ttl, info.creation_path, info.wrapped_accessor);
      try {
        await this.tokens.revokeTree(entry.hash);
      } catch (e) {
        await this.revokeQuietly(fresh.token);
        throw e;
      }
      return fresh;
    });
  }

  private async store(text: string, ttl: number, creationPath: string, wrappedAccessor: string | undefined): Promise<WrapInfo> {
    const issued = await this.tokens.createWrappingToken(ttl, creationPath);
    const effectiveTTL = issued.entry.ttl > 0 ? issued.entry.ttl : ttl;
    const info: StoredWrapInfo = { creation_ttl: effectiveTTL, creation_time: rfc3339Nano(this.now()), creation_path: creationPath };
    if (wrappedAccessor) info.wrapped_accessor = wrappedAccessor;
    try {
      await this.cubbyhole(issued.entry).transaction([
        { op: 'put', key: 'response', value: { json: { response: text } } },
        { op: 'put', key: 'wrapinfo', value: { json: info } },
      ]);
    } catch (e) {
      await this.tokens.revokeTree(issued.entry.hash).catch(() => undefined);
      throw e;
    }
    const out: WrapInfo = {
      token: issued.token,
      accessor: issued.entry.accessor,
      ttl: effectiveTTL,
      creation_time: info.creation_time,
      creation_path: creationPath,
    };
    if (wrappedAccessor) out.wrapped_accessor = wrappedAccessor;
    return out;
  }

  /** A live token whose only policy is response-wrapping; anything else is "not valid". */
  private async validate(token: string): Promise<TokenEntry> {
    if (typeof token !== 'string' || token === '') throw invalid();
    const entry = await this.tokens.lookup(token);
    if (!entry) throw invalid();
    if (entry.policies.length !== 1 || entry.policies[0] !== WRAPPING_POLICY) throw invalid();
    if (entry.expireTime !== 0 && entry.expireTime <= this.now()) throw invalid();
    return entry;
  }

  private async withClaim<T>(token: string, fn: (entry: TokenEntry) => Promise<T>): Promise<T> {
    const entry = await this.validate(token);
    if (this.claimed.has(entry.hash)) throw invalid();
    this.claimed.add(entry.hash);
    try {
      return await fn(entry);
    } finally {
      this.claimed.delete(entry.hash);
    }
  }

  private async response(entry: TokenEntry): Promise<string> {
    const stored = await this.cubbyhole(entry).getJSON<{ response?: unknown }>('response');
    if (!stored || typeof stored.response !== 'string') throw invalid();
    return stored.response;
  }

  private async wrapInfo(entry: TokenEntry): Promise<StoredWrapInfo> {
    const info = await this.cubbyhole(entry).getJSON<StoredWrapInfo>('wrapinfo');
    if (!info || typeof info.creation_path !== 'string') throw invalid();
    return info;
  }

  private async revokeQuietly(token: string): Promise<void> {
    try {
      const entry = await this.tokens.lookup(token);
      if (entry) await this.tokens.revokeTree(entry.hash);
    } catch {
      // The new token expires on its own.
    }
  }
}
