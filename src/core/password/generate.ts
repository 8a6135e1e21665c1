/**
 * Password generation from a policy (spec/dynamic.md 2.14).
 *
 * Candidates are drawn uniformly from the alphabet with crypto.randomInt (no modulo bias) and
 * thrown away until every rule passes, so a password is uniform over all passwords the policy
 * accepts. Policies whose rules are rarely met at random (large min-chars) would loop for long:
 * after a bounded number of candidates the generator builds one instead: the required
 * characters of each rule, the rest from the whole alphabet, shuffled (Fisher-Yates).
 */
import { randomInt } from 'node:crypto';
import { DEFAULT_PASSWORD_POLICY, passesRule, type PasswordPolicy } from './policy.ts';

/** Candidates tried before building a password directly. */
const MAX_CANDIDATES = 2000;

function pick(chars: readonly string[]): string {
  return chars[randomInt(chars.length)];
}

function candidate(policy: PasswordPolicy): string[] {
  const out = new Array<string>(policy.length);
  for (let i = 0; i < policy.length; i++) out[i] = pick(policy.alphabet);
  return out;
}

function shuffle(chars: string[]): void {
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    const t = chars[i];
    chars[i] = chars[j];
    chars[j] = t;
  }
}

/** Required characters of every rule, filled up from the alphabet, shuffled. */
function construct(policy: PasswordPolicy): string[] {
  const out: string[] = [];
  for (const rule of policy.rules) {
    if (rule.minChars > 0 && rule.charset.length === 0) throw new Error('a rule requires characters from an empty charset');
    for (let i = 0; i < rule.minChars; i++) out.push(pick(rule.charset));
  }
  while (out.length < policy.length) out.push(pick(policy.alphabet));
  shuffle(out);
  return out;
}

/** A password satisfying `policy` (which must be valid: see parsePasswordPolicy). */
export function generateFromPolicy(policy: PasswordPolicy): string {
  if (policy.alphabet.length === 0 || policy.length <= 0) throw new Error('no charset specified');
  for (let attempt = 0; attempt < MAX_CANDIDATES; attempt++) {
    const chars = candidate(policy);
    if (policy.rules.every((r) => passesRule(r, chars))) return chars.join('');
  }
  const built = construct(policy);
  if (!policy.rules.every((r) => passesRule(r, built))) throw new Error('unable to generate a password that satisfies the rules');
  return built.join('');
}

/** Keep's default generator: 20 characters of [A-Za-z0-9-] with one of each class. */
export function generateDefaultPassword(): string {
  return generateFromPolicy(DEFAULT_PASSWORD_POLICY);
}
