/**
 * Identity extraction at login (spec/auth.md 3.5 steps 19-24, 4.1-4.3): the user claim (alias
 * name), claim mappings (alias and token metadata) and the groups claim (group aliases). These
 * run before the bound-claim checks, as in Vault.
 */
import { formatValue, getClaim, literalClaim, normalizeList } from './claims.ts';
import { REASONS } from './reasons.ts';
import type { JwtRole } from './role-model.ts';
import type { Trace } from './trace.ts';

const q = (s: string) => JSON.stringify(s);

/** Steps 19-20: the user claim's value, or undefined after a (recorded) failure. */
export function extractUser(t: Trace, role: JwtRole, claims: Record<string, unknown>): string | undefined {
  const uc = role.user_claim;
  const raw = role.user_claim_json_pointer ? getClaim(claims, uc) : literalClaim(claims, uc);
  if (raw === undefined) {
    t.fail('user_claim', { code: REASONS.CLAIM_MISSING, message: `claim ${q(uc)} not found in token`, claim: uc }, () => ({ expected: 'a string' }));
    return undefined;
  }
  if (typeof raw !== 'string') {
    t.fail('user_claim', { code: REASONS.CLAIM_TYPE, message: `claim ${q(uc)} could not be converted to string`, claim: uc }, () => ({
      expected: 'a string',
      actual: formatValue(raw),
    }));
    return undefined;
  }
  t.pass('user_claim', () => ({ claim: uc, expected: 'a string', actual: raw }));
  return raw;
}

/** Step 21: claim_mappings (missing claims are skipped; present ones must be strings). */
export function extractMappings(t: Trace, role: JwtRole, claims: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  const mappings = role.claim_mappings ?? {};
  for (const source of Object.keys(mappings).sort()) {
    const target = mappings[source];
    const v = getClaim(claims, source);
    if (v === undefined) {
      t.pass('claim_mapping', () => ({ claim: source, expected: `metadata "${target}" (optional)`, actual: null }));
      continue;
    }
    if (typeof v !== 'string') {
      t.fail('claim_mapping', { code: REASONS.CLAIM_TYPE, message: `error converting claim '${source}' to string`, claim: source }, () => ({
        expected: 'a string',
        actual: formatValue(v),
      }));
      continue;
    }
    out[target] = v;
    t.pass('claim_mapping', () => ({ claim: source, expected: `metadata "${target}"`, actual: v }));
  }
  return out;
}

/** Steps 22-24: group alias names from groups_claim (empty strings skipped). */
export function extractGroups(t: Trace, role: JwtRole, claims: Record<string, unknown>): string[] {
  const gc = role.groups_claim;
  if (gc === '') return [];
  const raw = getClaim(claims, gc);
  if (raw === undefined) {
    t.fail('groups_claim', { code: REASONS.CLAIM_MISSING, message: `failed to fetch groups: ${q(gc)} claim not found in token`, claim: gc });
    return [];
  }
  const list = normalizeList(raw);
  if (!list) {
    t.fail('groups_claim', { code: REASONS.CLAIM_TYPE, message: `${q(gc)} claim could not be converted to string list`, claim: gc }, () => ({
      expected: 'a list of strings',
      actual: formatValue(raw),
    }));
    return [];
  }
  const groups: string[] = [];
  for (const item of list) {
    if (typeof item !== 'string') {
      t.fail('groups_claim', { code: REASONS.CLAIM_TYPE, message: `value ${formatValue(item)} in groups claim could not be parsed as string`, claim: gc }, () => ({
        expected: 'a list of strings',
        actual: formatValue(raw),
      }));
      return [];
    }
    if (item !== '') groups.push(item);
  }
  t.pass('groups_claim', () => ({ claim: gc, expected: 'a list of strings', actual: groups }));
  return groups;
}
