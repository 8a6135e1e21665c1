/**
 * CIDR helpers of the AppRole method (spec/auth.md 5.2, 5.5, 5.7): strict CIDR-block validation
 * for `secret_id_bound_cidrs` / `cidr_list`, the subset rule between a secret ID's blocks and its
 * role's, and the Go renderings Vault puts into the error messages.
 */
import { addressInCidrs, parseCidrList } from '../../core/token/cidr.ts';

/** A `a.b.c.d/n` or IPv6 `x::/n` block (a bare address is not a block here). */
export function isCidrBlock(text: string): boolean {
  const v = text.trim();
  if (!v.includes('/')) return false;
  try {
    return parseCidrList([v]).length === 1;
  } catch {
    return false;
  }
}

/** An address or a block (what `token_bound_cidrs` accepts). */
export function isAddressOrBlock(text: string): boolean {
  try {
    return parseCidrList([text]).length === 1;
  } catch {
    return false;
  }
}

/** Trimmed, empty entries dropped. */
export function cleanList(list: readonly string[]): string[] {
  return list.map((s) => s.trim()).filter((s) => s !== '');
}

function split(block: string): { ip: string; prefix: number } {
  const [ip, bits] = block.trim().split('/');
  if (bits === undefined) return { ip, prefix: ip.includes(':') ? 128 : 32 };
  return { ip, prefix: Number(bits) };
}

/** `inner` lies wholly inside `outer` (both blocks or bare addresses). */
function blockWithin(inner: string, outer: string): boolean {
  const a = split(inner);
  const b = split(outer);
  if (a.prefix < b.prefix) return false;
  return addressInCidrs(a.ip, [outer.includes('/') ? outer.trim() : `${b.ip}/${b.prefix}`]);
}

/** Every block of `subset` lies inside some block of `superset`; an empty superset allows all. */
export function cidrSubset(superset: readonly string[], subset: readonly string[]): boolean {
  if (subset.length === 0 || superset.length === 0) return true;
  return subset.every((inner) => superset.some((outer) => blockWithin(inner, outer)));
}

/** Go's `%q` of a string. */
export function goQuote(s: string): string {
  return JSON.stringify(s);
}

/** Go's `%q` of a []string: `["a" "b"]`. */
export function goQuoteList(list: readonly string[]): string {
  return `[${list.map(goQuote).join(' ')}]`;
}

/** Vault's message when a secret ID's blocks are not inside the role's. */
export function subsetError(roleBlocks: readonly string[], secretBlocks: readonly string[]): string {
  const role = roleBlocks.map((b) => (b.includes('/') ? b : `${b}/32`));
  return (
    `failed to verify subset relationship between CIDR blocks on the role ${goQuoteList(role)} ` +
    `and CIDR blocks on the secret ID ${goQuoteList(secretBlocks)}: %!w(<nil>)`
  );
}
