/** Small helpers shared by the sys/ handlers. */
import type { ACL, SystemServices, TokenEntry } from '../../core/contracts.ts';
import { goParseBool } from '../../framework/go-values.ts';
import { numberLiteral } from '../../framework/json.ts';
import type { RequestContext } from '../../framework/types.ts';

/** Vault's sanitizePath: no leading '/', exactly one trailing '/'. */
export function sanitizePath(path: string): string {
  let p = path.replace(/^\/+/, '');
  if (!p.endsWith('/')) p += '/';
  return p;
}

/** The text of a scalar JSON value (numbers keep their literal text); undefined for others. */
export function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  return numberLiteral(value);
}

/** A JSON array of strings or a comma-separated string, items trimmed, empties dropped. */
export function commaList(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) {
    const out: string[] = [];
    for (const v of value) {
      const t = scalarText(v);
      if (t === undefined) return undefined;
      if (t.trim() !== '') out.push(t.trim());
    }
    return out;
  }
  const t = scalarText(value);
  if (t === undefined) return undefined;
  return t
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** Go's strconv.ParseBool on loose input; undefined when it is not a bool. */
export function looseBool(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  const t = scalarText(value);
  if (t === undefined) return undefined;
  if (t === '') return false;
  return goParseBool(t);
}

/** The token entry of the caller, found by its hash (or the raw client token as a fallback). */
export async function callerEntry(services: SystemServices, ctx: RequestContext): Promise<TokenEntry | undefined> {
  if (ctx.caller?.tokenHash) {
    const byHash = await services.tokens.lookupByHash(ctx.caller.tokenHash);
    if (byHash) return byHash;
  }
  if (ctx.clientToken) return services.tokens.lookup(ctx.clientToken);
  return undefined;
}

/** The ACL of the caller, or undefined when the request carries no valid token. */
export async function callerACL(services: SystemServices, ctx: RequestContext): Promise<{ entry: TokenEntry; acl: ACL } | undefined> {
  const entry = await callerEntry(services, ctx);
  if (!entry) return undefined;
  return { entry, acl: await services.aclFor(entry) };
}
