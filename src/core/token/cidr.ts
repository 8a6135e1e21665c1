/**
 * Bound CIDRs (spec/auth.md 1.12): parsing of `a.b.c.d/n`, IPv6 CIDRs and bare addresses, and the
 * membership test applied on every use of a token. IPv4-mapped IPv6 peers (`::ffff:a.b.c.d`)
 * are compared as IPv4.
 */
import { isIP } from 'node:net';
import { badRequest } from '../../errors.ts';

interface ParsedCidr {
  v6: boolean;
  bytes: Uint8Array;
  prefix: number;
}

function ipv4Bytes(ip: string): Uint8Array {
  return Uint8Array.from(ip.split('.').map((p) => Number(p)));
}

function ipv6Bytes(ip: string): Uint8Array {
  let text = ip;
  const out = new Uint8Array(16);
  // Embedded IPv4 tail (`::ffff:1.2.3.4`).
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  let tailBytes: Uint8Array | undefined;
  if (tail.includes('.')) {
    tailBytes = ipv4Bytes(tail);
    text = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const [head, rest] = text.includes('::') ? text.split('::') : [text, undefined];
  const headGroups = head === '' ? [] : head.split(':');
  const restGroups = rest === undefined || rest === '' ? [] : rest.split(':');
  const groups =
    rest === undefined ? headGroups : [...headGroups, ...new Array<string>(8 - headGroups.length - restGroups.length).fill('0'), ...restGroups];
  groups.forEach((g, i) => {
    const n = Number.parseInt(g, 16);
    out[i * 2] = n >> 8;
    out[i * 2 + 1] = n & 0xff;
  });
  if (tailBytes) out.set(tailBytes, 12);
  return out;
}

function isMappedV4(bytes: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (bytes[i] !== 0) return false;
  return bytes[10] === 0xff && bytes[11] === 0xff;
}

function parseAddress(ip: string): { v6: boolean; bytes: Uint8Array } | undefined {
  const zoneless = ip.split('%')[0];
  const family = isIP(zoneless);
  if (family === 4) return { v6: false, bytes: ipv4Bytes(zoneless) };
  if (family === 6) {
    const bytes = ipv6Bytes(zoneless);
    if (isMappedV4(bytes)) return { v6: false, bytes: bytes.slice(12) };
    return { v6: true, bytes };
  }
  return undefined;
}

function parseCidr(text: string): ParsedCidr | undefined {
  const [ip, bits, extra] = text.trim().split('/');
  if (extra !== undefined) return undefined;
  const addr = parseAddress(ip);
  if (!addr) return undefined;
  const max = addr.v6 ? 128 : 32;
  if (bits === undefined) return { ...addr, prefix: max };
  if (!/^\d{1,3}$/.test(bits)) return undefined;
  const prefix = Number(bits);
  if (prefix > max) return undefined;
  return { ...addr, prefix };
}

/** Validates and trims a CIDR list; throws 400 naming the first bad entry. */
export function parseCidrList(list: readonly string[], field = 'bound_cidrs'): string[] {
  const out: string[] = [];
  for (const raw of list) {
    const v = raw.trim();
    if (v === '') continue;
    if (!parseCidr(v)) throw badRequest(`error parsing ${field}: invalid IP address or CIDR block "${v}"`);
    out.push(v);
  }
  return out;
}

function contains(cidr: ParsedCidr, addr: { v6: boolean; bytes: Uint8Array }): boolean {
  if (cidr.v6 !== addr.v6) return false;
  let bits = cidr.prefix;
  for (let i = 0; i < cidr.bytes.length && bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((cidr.bytes[i] & mask) !== (addr.bytes[i] & mask)) return false;
  }
  return true;
}

/** True when `remoteAddress` lies in one of the CIDRs (an unparsable address never does). */
export function addressInCidrs(remoteAddress: string, cidrs: readonly string[]): boolean {
  const addr = parseAddress(remoteAddress.trim());
  if (!addr) return false;
  return cidrs.some((c) => {
    const parsed = parseCidr(c);
    return parsed !== undefined && contains(parsed, addr);
  });
}
