/**
 * The ACL of a token: the merge of its policies (spec/core.md 3.3-3.7, 2.8, 2.13).
 *
 * allowOperation checks, in order: the governing rule's capability bit, its wrapping TTL
 * constraints, then (read/create/update/patch only) its parameter constraints. Sudo for
 * root-protected paths is core's check, fed by `rootPrivs`.
 */
import type { ACL, ACLInput, ACLResult } from '../contracts.ts';
import type { Operation } from '../../framework/types.ts';
import { mergePolicies, type Perm } from './compile.ts';
import { RuleMatcher, segmentReachesUnder } from './match.ts';
import { parametersAllowed } from './parameters.ts';
import { ACCESS_BITS, CAP, CAPABILITY_NAMES_SORTED, type ConcretePolicy } from './types.ts';

const OPERATION_BIT: Partial<Record<Operation, number>> = {
  read: CAP.read,
  list: CAP.list,
  update: CAP.update,
  delete: CAP.delete,
  create: CAP.create,
  patch: CAP.patch,
  // Internal operations reuse update.
  renew: CAP.update,
  revoke: CAP.update,
  rollback: CAP.update,
};

const PARAMETER_OPS = new Set<Operation>(['read', 'create', 'update', 'patch']);

function stripLeadingSlashes(path: string): string {
  let i = 0;
  while (i < path.length && path[i] === '/') i++;
  return i === 0 ? path : path.slice(i);
}

function wrappingAllowed(perm: Perm, wrapTTL: number): boolean {
  if (perm.maxWrappingTTL > 0 && (wrapTTL <= 0 || wrapTTL > perm.maxWrappingTTL)) return false;
  if (perm.minWrappingTTL > 0 && (wrapTTL <= 0 || wrapTTL < perm.minWrappingTTL)) return false;
  // Merging can leave min above max: nothing can satisfy both.
  if (perm.minWrappingTTL > 0 && perm.maxWrappingTTL > 0 && perm.maxWrappingTTL < perm.minWrappingTTL) return false;
  return true;
}

function capabilityNames(bits: number): string[] {
  if (bits & CAP.deny) return ['deny'];
  const out = CAPABILITY_NAMES_SORTED.filter((name) => name !== 'deny' && (bits & CAP[name]) !== 0);
  return out.length === 0 ? ['deny'] : out;
}

export class PolicyACL implements ACL {
  readonly isRoot = false;
  private readonly matcher: RuleMatcher;

  constructor(policies: readonly ConcretePolicy[]) {
    this.matcher = new RuleMatcher(mergePolicies(policies));
  }

  allowOperation(input: ACLInput): ACLResult {
    const op = input.operation;
    if (op === 'help') return { allowed: true, rootPrivs: false, grantingPolicies: [] };
    const path = stripLeadingSlashes(input.path);
    const perm = this.matcher.governing(path, op === 'list');
    if (!perm) return { allowed: false, rootPrivs: false, grantingPolicies: [] };
    const rootPrivs = (perm.bits & CAP.sudo) !== 0;
    const denied: ACLResult = { allowed: false, rootPrivs, grantingPolicies: [] };
    const bit = OPERATION_BIT[op];
    if (bit === undefined || (perm.bits & CAP.deny) !== 0 || (perm.bits & bit) === 0) return denied;
    if (!wrappingAllowed(perm, input.wrapTTL)) return denied;
    if (PARAMETER_OPS.has(op) && !parametersAllowed(perm, input.data ?? {})) return denied;
    return { allowed: true, rootPrivs, grantingPolicies: (perm.granting.get(bit) ?? []).slice() };
  }

  /** Evaluated like a `list` request on the path, without parameter or wrapping constraints. */
  capabilities(path: string): string[] {
    const perm = this.matcher.governing(stripLeadingSlashes(path), true);
    return perm ? capabilityNames(perm.bits) : ['deny'];
  }

  hasAccessUnder(prefix: string): boolean {
    let p = stripLeadingSlashes(prefix);
    if (p !== '' && !p.endsWith('/')) p += '/';
    // A rule governing the mount path itself (exact, covering prefix, or `+`).
    if (this.capabilities(p)[0] !== 'deny') return true;
    const grants = (perm: Perm) => (perm.bits & CAP.deny) === 0 && (perm.bits & ACCESS_BITS) !== 0;
    const m = this.matcher;
    for (const [key, perm] of m.exact) if (key.startsWith(p) && grants(perm)) return true;
    for (const [key, c] of m.prefix) if (key.startsWith(p) && grants(c.perm)) return true;
    if (m.segments.length > 0) {
      const prefixParts = p === '' ? [] : p.slice(0, -1).split('/');
      for (const s of m.segments) {
        if (grants(s.candidate.perm) && segmentReachesUnder(s.parts, s.candidate.isPrefix, prefixParts)) return true;
      }
    }
    return false;
  }
}

/** The ACL of a token whose policies are exactly `["root"]`: everything, including sudo. */
export class RootACL implements ACL {
  readonly isRoot = true;
  allowOperation(_input: ACLInput): ACLResult {
    return { allowed: true, rootPrivs: true, grantingPolicies: ['root'] };
  }
  capabilities(_path: string): string[] {
    return ['root'];
  }
  hasAccessUnder(_prefix: string): boolean {
    return true;
  }
}

export const ROOT_ACL: ACL = new RootACL();
