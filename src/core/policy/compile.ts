/**
 * Merging the rules of several policies into the three rule sets of an ACL (spec/core.md 3.5).
 *
 * Rules are merged per identical key within one set: exact `a/b`, prefix `a/b*` (key `a/b`) and
 * segment-wildcard `a/+/c` are separate keys, and `a/b` differs from `a/b/`.
 */
import { CAP, type ConcretePolicy, type ParamMap, type PolicyRule } from './types.ts';

/** The merged permissions of one pattern. */
export interface Perm {
  bits: number;
  allowed?: ParamMap;
  denied?: ParamMap;
  required: string[];
  minWrappingTTL: number;
  maxWrappingTTL: number;
  /** Capability bit -> names of the policies whose rules granted it (file order, no repeats). */
  granting: Map<number, string[]>;
}

export type RuleKind = 'exact' | 'prefix' | 'segment';

export interface RuleSets {
  exact: Map<string, Perm>;
  /** Keyed by the prefix (the pattern without its trailing `*`). */
  prefix: Map<string, Perm>;
  /** Keyed by the full pattern (a trailing `*` kept). */
  segment: Map<string, Perm>;
}

/** A pattern is segment-wildcard when it is `+`, starts with `+/` or contains `/+`. */
export function isSegmentPattern(path: string): boolean {
  return path === '+' || path.startsWith('+/') || path.includes('/+');
}

export function classify(path: string): { kind: RuleKind; key: string } {
  if (isSegmentPattern(path)) return { kind: 'segment', key: path };
  if (path.endsWith('*')) return { kind: 'prefix', key: path.slice(0, -1) };
  return { kind: 'exact', key: path };
}

function cloneParams(m: ParamMap | undefined): ParamMap | undefined {
  if (!m) return undefined;
  const out: ParamMap = new Map();
  for (const [k, v] of m) out.set(k, v.slice());
  return out;
}

function addGranting(perm: Perm, policy: string, bits: number): void {
  for (let bit = 1; bit <= CAP.recover; bit <<= 1) {
    if ((bits & bit) === 0 || bit === CAP.deny) continue;
    const names = perm.granting.get(bit);
    if (!names) perm.granting.set(bit, [policy]);
    else if (!names.includes(policy)) names.push(policy);
  }
}

function fromRule(rule: PolicyRule, policy: string): Perm {
  const perm: Perm = {
    bits: rule.bits,
    allowed: cloneParams(rule.allowedParameters),
    denied: cloneParams(rule.deniedParameters),
    required: rule.requiredParameters.slice(),
    minWrappingTTL: rule.minWrappingTTL,
    maxWrappingTTL: rule.maxWrappingTTL,
    granting: new Map(),
  };
  addGranting(perm, policy, rule.bits);
  return perm;
}

/** Union per parameter; an empty list on either side (= any value) wins. */
function mergeParams(existing: ParamMap | undefined, incoming: ParamMap | undefined): ParamMap | undefined {
  if (!incoming || incoming.size === 0) return existing;
  if (!existing) return cloneParams(incoming);
  for (const [k, values] of incoming) {
    const prev = existing.get(k);
    if (values.length === 0 || (prev !== undefined && prev.length === 0)) existing.set(k, []);
    else existing.set(k, values.concat(prev ?? []));
  }
  return existing;
}

/** The smaller non-zero value (0 = unset). */
function minNonZero(a: number, b: number): number {
  if (a === 0) return b;
  if (b === 0) return a;
  return Math.min(a, b);
}

function mergeInto(perm: Perm, rule: PolicyRule, policy: string): void {
  if (perm.bits & CAP.deny) return;
  if (rule.bits & CAP.deny) {
    perm.bits = CAP.deny;
    perm.allowed = undefined;
    perm.denied = undefined;
    perm.granting = new Map();
    return;
  }
  perm.bits |= rule.bits;
  addGranting(perm, policy, rule.bits);
  perm.maxWrappingTTL = minNonZero(perm.maxWrappingTTL, rule.maxWrappingTTL);
  perm.minWrappingTTL = minNonZero(perm.minWrappingTTL, rule.minWrappingTTL);
  perm.allowed = mergeParams(perm.allowed, rule.allowedParameters);
  perm.denied = mergeParams(perm.denied, rule.deniedParameters);
  for (const r of rule.requiredParameters) if (!perm.required.includes(r)) perm.required.push(r);
}

/** Merges the (already template-resolved) rules of every policy, in order. */
export function mergePolicies(policies: readonly ConcretePolicy[]): RuleSets {
  const sets: RuleSets = { exact: new Map(), prefix: new Map(), segment: new Map() };
  for (const policy of policies) {
    for (const rule of policy.rules) {
      const { kind, key } = classify(rule.path);
      const set = sets[kind];
      const existing = set.get(key);
      if (existing) mergeInto(existing, rule, policy.name);
      else set.set(key, fromRule(rule, policy.name));
    }
  }
  return sets;
}
