/**
 * Shapes shared by the policy parser, the ACL compiler and the policy store.
 */

/** Capability bits (spec/core.md 3.4). `root` is never stored in a rule. */
export const CAP = {
  deny: 1 << 0,
  create: 1 << 1,
  read: 1 << 2,
  update: 1 << 3,
  delete: 1 << 4,
  list: 1 << 5,
  sudo: 1 << 6,
  patch: 1 << 7,
  subscribe: 1 << 8,
  recover: 1 << 9,
} as const;

export type CapabilityName = keyof typeof CAP;

/** Capability names in alphabetical order (the order the capabilities endpoints print). */
export const CAPABILITY_NAMES_SORTED: readonly CapabilityName[] = (Object.keys(CAP) as CapabilityName[]).slice().sort();

/** Bits that count as "some access" for hasAccessUnder (spec/core.md 2.13). */
export const ACCESS_BITS = CAP.create | CAP.read | CAP.update | CAP.delete | CAP.list | CAP.sudo | CAP.patch;

export function isCapabilityName(s: string): s is CapabilityName {
  return Object.prototype.hasOwnProperty.call(CAP, s);
}

/** Parameter name (lower-cased) -> allowed or denied values; an empty list means "any value". */
export type ParamMap = Map<string, unknown[]>;

/** One `path "<p>" { ... }` block after validation. */
export interface PolicyRule {
  /**
   * The path pattern. For a plain rule: normalised (one leading '/' stripped), trailing `*` kept.
   * For a templated rule: the label exactly as written; it is resolved and normalised per identity.
   */
  path: string;
  templated: boolean;
  /** Capability names after legacy `policy` mapping; `['deny']` alone when deny was present. */
  capabilities: CapabilityName[];
  bits: number;
  /** Undefined when absent or empty. */
  allowedParameters?: ParamMap;
  deniedParameters?: ParamMap;
  /** Lower-cased names. */
  requiredParameters: string[];
  /** Seconds; 0 = no constraint. */
  minWrappingTTL: number;
  maxWrappingTTL: number;
}

export interface ParsedPolicy {
  rules: PolicyRule[];
  /** True when any rule's path carries `{{ ... }}` parameters. */
  templated: boolean;
}

/** A policy whose rules all have concrete paths (templates already resolved). */
export interface ConcretePolicy {
  name: string;
  rules: PolicyRule[];
}
