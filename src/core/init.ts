/**
 * sys/init (spec/core.md 2.1): splits a fresh unseal key, sets up the default mounts and
 * policies, and creates the initial root token. A Shamir-sealed server is sealed again
 * afterwards; a static-sealed one stays unsealed.
 */
import { badRequest } from '../errors.ts';
import type { Core } from './core.ts';

export interface InitRequest {
  secret_shares?: unknown;
  secret_threshold?: unknown;
  recovery_shares?: unknown;
  recovery_threshold?: unknown;
  pgp_keys?: unknown;
  root_token_pgp_key?: unknown;
  recovery_pgp_keys?: unknown;
  stored_shares?: unknown;
}

function intField(body: InitRequest, name: keyof InitRequest): number | undefined {
  const v = body[name];
  if (v === undefined || v === null) return undefined;
  const n = typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n)) throw badRequest(`failed to parse JSON input: ${name} must be an integer`);
  return n;
}

function stringList(v: unknown): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw badRequest('failed to parse JSON input: pgp keys must be a list of strings');
  return v as string[];
}

export async function initCore(core: Core, body: InitRequest): Promise<Record<string, unknown>> {
  // The seal manager validates in Vault's order (parameters first, then already-initialized).
  const result = await core.sealManager.initialize({
    secretShares: intField(body, 'secret_shares') ?? 0,
    secretThreshold: intField(body, 'secret_threshold') ?? 0,
    recoveryShares: intField(body, 'recovery_shares'),
    recoveryThreshold: intField(body, 'recovery_threshold'),
    pgpKeys: stringList(body.pgp_keys),
    recoveryPgpKeys: stringList(body.recovery_pgp_keys),
  });
  await core.barrier.unseal(result.rootKey);
  result.rootKey.fill(0);
  await core.postUnseal();
  const root = await core.live.tokens.createRootToken();
  const out: Record<string, unknown> = {
    keys: result.keys.map((k) => k.toString('hex')),
    keys_base64: result.keys.map((k) => k.toString('base64')),
    root_token: root.token,
  };
  if (result.recoveryKeys.length > 0) {
    out.recovery_keys = result.recoveryKeys.map((k) => k.toString('hex'));
    out.recovery_keys_base64 = result.recoveryKeys.map((k) => k.toString('base64'));
  }
  if (core.options.seal.type === 'shamir') await core.seal();
  return out;
}

/** Dev mode (spec/core.md 6.7): initialise with one share, unseal, optional fixed root token id. */
export async function initDev(core: Core, rootTokenId?: string): Promise<{ unsealKey: string; rootToken: string }> {
  const init = await initCore(core, { secret_shares: 1, secret_threshold: 1 });
  const keys = init.keys_base64 as string[];
  if (core.isSealed()) await core.unseal({ key: keys[0] });
  let rootToken = init.root_token as string;
  if (rootTokenId) {
    const tokens = core.live.tokens;
    const generated = await tokens.lookup(rootToken);
    const custom = await tokens.createRootToken(rootTokenId);
    if (generated) await tokens.revokeTree(generated.hash);
    rootToken = custom.token;
  }
  return { unsealKey: keys[0], rootToken };
}
