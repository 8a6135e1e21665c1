/**
 * Policy lists of tokens (spec/auth.md 1.5): normalization, glob matching and the resolution of
 * a token-create request's policies against its parent or its role.
 */
import { badRequest } from '../../errors.ts';
import type { TokenRole } from './roles.ts';

/** Policies no token may carry by request (internal use only). */
export const NON_ASSIGNABLE_POLICIES: readonly string[] = ['response-wrapping', 'control-group'];

/** Trim, lower-case, drop empties, de-duplicate, sort. */
export function uniqueLower(list: readonly string[]): string[] {
  const set = new Set<string>();
  for (const p of list) {
    const v = p.trim().toLowerCase();
    if (v !== '') set.add(v);
  }
  return [...set].sort();
}

/**
 * Normalizes a policy list; `root` anywhere collapses it to `["root"]`; `addDefault` adds
 * `default` unless the list is root.
 */
export function normalizePolicies(list: readonly string[], addDefault = false): string[] {
  const out = uniqueLower(list);
  if (out.includes('root')) return ['root'];
  if (addDefault && !out.includes('default')) {
    out.push('default');
    out.sort();
  }
  return out;
}

export function isRootPolicySet(policies: readonly string[]): boolean {
  return policies.length === 1 && policies[0] === 'root';
}

/** Glob with `*` as the only wildcard (matches any run of characters, '/' included). */
export function globMatch(pattern: string, value: string): boolean {
  if (!pattern.includes('*')) return pattern === value;
  const parts = pattern.split('*');
  const first = parts[0];
  const last = parts[parts.length - 1];
  if (!value.startsWith(first)) return false;
  let pos = first.length;
  for (let i = 1; i < parts.length - 1; i++) {
    const idx = value.indexOf(parts[i], pos);
    if (idx < 0) return false;
    pos = idx + parts[i].length;
  }
  return value.length - last.length >= pos && value.endsWith(last);
}

export function matchesAny(patterns: readonly string[], value: string): boolean {
  return patterns.some((p) => globMatch(p, value));
}

/** Go's `%q` of a string slice: `["a" "b"]`. */
export function goQuoteList(list: readonly string[]): string {
  return `[${list.map((s) => JSON.stringify(s)).join(' ')}]`;
}

export interface PolicyRequest {
  /** The request's `policies`; undefined or empty = not given. */
  requested: readonly string[] | undefined;
  noDefaultPolicy: boolean;
  parentPolicies: readonly string[];
  /** Caller holds sudo (or root) on the create path. */
  sudo: boolean;
  role?: TokenRole;
}

function roleRestrictsPolicies(role: TokenRole): boolean {
  return (
    role.allowedPolicies.length > 0 ||
    role.disallowedPolicies.length > 0 ||
    role.allowedPoliciesGlob.length > 0 ||
    role.disallowedPoliciesGlob.length > 0
  );
}

/** The final token policies of a token-create request, or a 400 with Vault's message. */
export function resolveCreatePolicies(req: PolicyRequest): string[] {
  const requested = req.requested && req.requested.length > 0 ? req.requested : undefined;
  let chosen: string[];
  let addDefault = false;

  if (req.role && roleRestrictsPolicies(req.role)) {
    chosen = resolveAgainstRole(req.role, requested, req.noDefaultPolicy, req.parentPolicies);
  } else if (!requested) {
    // Inherit the parent's set unchanged: `default` only if the parent had it.
    chosen = normalizePolicies(req.parentPolicies);
  } else if (!req.sudo) {
    const wanted = normalizePolicies(requested).filter((p) => p !== 'default');
    const parent = normalizePolicies(req.parentPolicies);
    if (!wanted.every((p) => parent.includes(p))) throw badRequest('child policies must be subset of parent');
    chosen = [...requested];
    addDefault = !req.noDefaultPolicy && parent.includes('default');
  } else {
    chosen = [...requested];
    addDefault = !req.noDefaultPolicy;
  }

  let policies = normalizePolicies(chosen, addDefault);
  if (req.noDefaultPolicy) policies = policies.filter((p) => p !== 'default');
  for (const p of policies) {
    if (NON_ASSIGNABLE_POLICIES.includes(p)) throw badRequest(`cannot assign policy "${p}"`);
  }
  return policies;
}

function resolveAgainstRole(
  role: TokenRole,
  requested: readonly string[] | undefined,
  noDefaultPolicy: boolean,
  parentPolicies: readonly string[],
): string[] {
  const addDefault =
    !noDefaultPolicy &&
    !role.tokenNoDefaultPolicy &&
    !role.disallowedPolicies.includes('default') &&
    !matchesAny(role.disallowedPoliciesGlob, 'default');

  let final = requested ? normalizePolicies(requested, addDefault) : [];
  if (role.allowedPolicies.length > 0 || role.allowedPoliciesGlob.length > 0) {
    const allowed = normalizePolicies(role.allowedPolicies, addDefault);
    if (final.length === 0) {
      final = allowed;
    } else {
      const globs = normalizePolicies(role.allowedPoliciesGlob);
      for (const p of final) {
        if (!allowed.includes(p) && !matchesAny(globs, p)) {
          throw badRequest(
            `token policies (${goQuoteList(final)}) must be subset of the role's allowed policies (${goQuoteList(allowed)}) or glob policies (${goQuoteList(globs)})`,
          );
        }
      }
    }
  } else if (final.length === 0) {
    final = normalizePolicies(parentPolicies, addDefault);
  }

  if (role.disallowedPolicies.length > 0 || role.disallowedPoliciesGlob.length > 0) {
    for (const p of final) {
      if (role.disallowedPolicies.includes(p) || matchesAny(role.disallowedPoliciesGlob, p)) {
        throw badRequest(`token policy "${p}" is disallowed by this role`);
      }
    }
  }
  return final;
}
