/**
 * The password policy store (spec/dynamic.md 2.14): one key per policy name in a barrier view
 * (core passes `sys/password-policy/`), holding `{ "policy": "<HCL text>" }`. Parsed policies are
 * cached by name; writes and deletes clear the entry, `invalidate()` does it for writes made by
 * another node.
 */
import { KeepError, badRequest } from '../../errors.ts';
import type { StorageView } from '../../framework/types.ts';
import { decodePolicyText } from '../policy/store.ts';
import { generateDefaultPassword, generateFromPolicy } from './generate.ts';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, PasswordPolicyError, parsePasswordPolicy, type PasswordPolicy } from './policy.ts';

interface StoredPasswordPolicy {
  policy: string;
}

/** Test generations run when a policy is written (as Vault does). */
const TEST_GENERATIONS = 10;

const missingName = () => badRequest('missing policy name');

/**
 * Validates policy text as a write does and returns the parsed policy. Throws KeepError 400 with
 * Vault's messages. `text` must already be base64-decoded.
 */
export function validatePasswordPolicy(text: string): PasswordPolicy {
  if (text === '') throw badRequest('missing policy');
  let policy: PasswordPolicy;
  try {
    policy = parsePasswordPolicy(text);
  } catch (e) {
    if (e instanceof PasswordPolicyError) throw badRequest(`invalid password policy: ${e.message}`);
    throw e;
  }
  if (policy.length > MAX_PASSWORD_LENGTH || policy.length < MIN_PASSWORD_LENGTH) {
    throw badRequest(`passwords must be between ${MIN_PASSWORD_LENGTH} and ${MAX_PASSWORD_LENGTH} characters`);
  }
  for (let i = 0; i < TEST_GENERATIONS; i++) {
    try {
      generateFromPolicy(policy);
    } catch {
      throw badRequest('unable to construct test password from provided policy: are the rules impossible?');
    }
  }
  return policy;
}

export class PasswordPolicyStore {
  private readonly cache = new Map<string, PasswordPolicy>();

  constructor(private readonly view: StorageView) {}

  /** Stored policy names (sorted as the view lists them). */
  async list(): Promise<string[]> {
    return this.view.list('');
  }

  /** The stored HCL text, or undefined. */
  async get(name: string): Promise<string | undefined> {
    if (name === '') throw missingName();
    const entry = await this.view.getJSON<StoredPasswordPolicy>(name);
    return entry?.policy;
  }

  /**
   * Validates and stores a policy. `text` may be base64 of the HCL (decoded first, then stored
   * decoded). Throws 400 `missing policy`, `invalid password policy: ...`,
   * `passwords must be between 4 and 100 characters`, or the impossible-rules message.
   */
  async set(name: string, text: string): Promise<void> {
    if (name === '') throw missingName();
    if (text === '') throw badRequest('missing policy');
    const decoded = decodePolicyText(text);
    const policy = validatePasswordPolicy(decoded);
    await this.view.putJSON(name, { policy: decoded } satisfies StoredPasswordPolicy);
    this.cache.set(name, policy);
  }

  async delete(name: string): Promise<void> {
    if (name === '') throw missingName();
    this.cache.delete(name);
    await this.view.delete(name);
  }

  /**
   * A password from the named policy; `''`/undefined uses Keep's default generator. A missing
   * policy fails with 500 `no password policy found` (what engines report, spec/dynamic.md 2.14);
   * the sys generate endpoint checks existence first and answers 404.
   */
  async generate(name?: string): Promise<string> {
    if (name === undefined || name === '') return generateDefaultPassword();
    const policy = await this.load(name);
    if (!policy) throw new KeepError('KEEP_E_PASSWORD_POLICY_MISSING', 500, 'no password policy found');
    try {
      return generateFromPolicy(policy);
    } catch (e) {
      throw new KeepError('KEEP_E_PASSWORD_GENERATION', 500, `failed to generate password from policy: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** Drops cached parses (all, or one name) after a write made elsewhere. */
  invalidate(name?: string): void {
    if (name === undefined) this.cache.clear();
    else this.cache.delete(name);
  }

  private async load(name: string): Promise<PasswordPolicy | undefined> {
    const cached = this.cache.get(name);
    if (cached) return cached;
    const text = await this.get(name);
    if (text === undefined) return undefined;
    let policy: PasswordPolicy;
    try {
      policy = parsePasswordPolicy(text);
    } catch (e) {
      throw new KeepError('KEEP_E_PASSWORD_POLICY_INVALID', 500, `stored password policy is invalid: ${e instanceof Error ? e.message : String(e)}`);
    }
    this.cache.set(name, policy);
    return policy;
  }
}
