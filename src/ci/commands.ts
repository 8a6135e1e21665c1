/**
 * What `keep ci login|secrets|exec|revoke` (and the GitHub Action, the CircleCI orb, the GitLab
 * template) call. Each takes the platform-facing {@link CiEnv} and the options; failures throw
 * {@link CiError} with the exit code and a message that never holds a secret value.
 */
import type { CiEnv } from './env.ts';
import { exitCodeOf, spawnInherited } from './env.ts';
import { CI_EXIT_LOCAL, CiError } from './errors.ts';
import { EXPORT_FORMATS, exportItems, maskValues } from './export/index.ts';
import type { ExportFormat, ExportItem } from './export/index.ts';
import { isEnvName } from './names.ts';
import { PLATFORM_NAMES, resolvePlatform } from './platform.ts';
import type { CiPlatform } from './platform.ts';
import { readSecrets } from './read.ts';
import type { SecretValue } from './select.ts';
import { makeClient, openSession, retriesFor, revokeSelf } from './session.ts';
import type { Session } from './session.ts';
import { parseSecretsSpec } from './spec.ts';
import type { SecretRequest } from './spec.ts';
import { ROLE_MARKER_VAR, TOKEN_VAR, VAULT_TOKEN_VAR, clearToken, findToken, saveToken, saveTokenState } from './token-state.ts';

export { CiError } from './errors.ts';

/** Options of the `keep ci` commands (flags `-role`, `-mount`, `-audience`, `-secrets`, ...). */
export interface CiOptions {
  /** Keep's address (KEEP_ADDR or VAULT_ADDR). */
  addr: string;
  /** JWT role; '' = the mount's default_role. */
  role: string;
  /** Auth mount path. Default `jwt`. */
  mount: string;
  /** Audience to request for the job token (where the platform allows). */
  audience?: string;
  /** Variable holding the job token (GitLab id_tokens name). */
  jwtEnv?: string;
  /** vault-action `secrets` syntax. */
  secrets?: string;
  /** Default `auto` (the platform's own mechanism). */
  format?: ExportFormat;
  /** A missing secret or key is skipped (with a message) instead of failing. */
  ignoreNotFound?: boolean;
  /** Also hand the Keep token to later steps (KEEP_TOKEN, VAULT_TOKEN) / to exec's command. */
  exportToken?: boolean;
  /** Hand secrets to later steps' environments (default true; GitHub outputs are written regardless). */
  exportEnv?: boolean;
  /** CA bundle: a PEM file path or PEM text. */
  caCert?: string;
  /** Act as this platform instead of detecting it (also KEEP_CI_PLATFORM). */
  platform?: CiPlatform | string;
  /** Skip TLS verification (testing only). */
  tlsSkipVerify?: boolean;
  /** X-Vault-Namespace (also KEEP_NAMESPACE / VAULT_NAMESPACE). */
  namespace?: string;
  /** Retries (see session.ts). Default KEEP_MAX_RETRIES / VAULT_MAX_RETRIES, else 6. */
  retries?: number;
  /** Smallest retry backoff in ms. Default 500. */
  retryMinBackoffMs?: number;
  /** A Keep token to use instead of logging in (vault-action `method: token`); never revoked by exec. */
  token?: string;
}

function checkFormat(format: string | undefined): ExportFormat {
  const f = format || 'auto';
  if (!(EXPORT_FORMATS as readonly string[]).includes(f)) throw new CiError(`unknown -format "${f}": use ${EXPORT_FORMATS.join(', ')}`);
  return f as ExportFormat;
}

function parseSpec(text: string | undefined): SecretRequest[] {
  try {
    return parseSecretsSpec(text ?? '');
  } catch (e) {
    throw new CiError((e as Error).message, CI_EXIT_LOCAL);
  }
}

function ttlText(seconds: number): string {
  if (seconds <= 0) return 'no ttl';
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return `ttl ${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s || (!h && !m) ? `${s}s` : ''}`;
}

function loginLine(platform: CiPlatform, o: CiOptions, s: Session): string {
  const how = s.owned ? `logged in to auth/${o.mount || 'jwt'} as role ${o.role || '(default)'}` : o.token ? 'using the given token' : 'using the token from keep ci login';
  return `keep ci: ${how} (${PLATFORM_NAMES[platform]}); policies: ${s.policies.join(', ') || '(none)'}; ${ttlText(s.ttl)}${s.accessor ? `; accessor ${s.accessor}` : ''}\n`;
}

function tokenItems(token: string, role: string): ExportItem[] {
  return [
    { envName: TOKEN_VAR, value: token },
    { envName: VAULT_TOKEN_VAR, value: token },
    { envName: ROLE_MARKER_VAR, value: role, secret: false },
  ];
}

function record(values: SecretValue[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) out[v.envName] = v.value;
  return out;
}

/**
 * `keep ci login`: logs the job in with its platform token and hands the Keep token to later
 * steps the platform's way (masked first). @throws CiError
 */
export async function ciLogin(env: CiEnv, o: CiOptions): Promise<{ token: string; accessor: string; platform: CiPlatform }> {
  const platform = resolvePlatform(env.env, o.platform);
  const s = await openSession(env, o, platform, 'stdout');
  try {
    env.stderr(loginLine(platform, o, s));
    if (!s.owned) return { token: s.token, accessor: s.accessor, platform };
    const report = await saveToken(env, platform, s.token, o.role ?? '');
    if (report.destinations.length > 0) env.stderr(`keep ci: token exported as ${TOKEN_VAR} and ${VAULT_TOKEN_VAR} to ${report.destinations.join(', ')}\n`);
    return { token: s.token, accessor: s.accessor, platform };
  } catch (e) {
    // Nothing was handed on: the token must not outlive this failure.
    if (s.owned) await revokeQuietly(env, s, retriesFor(env, o));
    throw e;
  } finally {
    s.client.close();
  }
}

/**
 * `keep ci secrets`: logs in if needed (reusing a `keep ci login` token for the same role), reads
 * every secret of the spec, masks every value, then exports them (see export/index.ts). Returns
 * env name -> value. @throws CiError
 */
export async function ciSecrets(env: CiEnv, o: CiOptions): Promise<Record<string, string>> {
  const format = checkFormat(o.format);
  const requests = parseSpec(o.secrets);
  const platform = resolvePlatform(env.env, o.platform);
  const s = await openSession(env, o, platform, format === 'auto' ? 'stdout' : 'stderr');
  try {
    env.stderr(loginLine(platform, o, s));
    const values = await readSecrets(env, s.client, requests, { ignoreNotFound: o.ignoreNotFound, policies: s.policies });
    const items: ExportItem[] = values.map((v) => ({ envName: v.envName, outputName: v.outputName, value: v.value }));
    if (o.exportToken && s.owned) items.push(...tokenItems(s.token, o.role ?? ''));
    const report = await exportItems(env, platform, items, { format, exportEnv: o.exportEnv !== false, outputs: true });
    if (s.owned) await saveTokenState(env, platform, s.token);
    const names = values.map((v) => v.envName);
    const where = report.destinations.length > 0 ? ` to ${report.destinations.join(', ')}` : ' (masked only: -export-env=false)';
    env.stderr(`keep ci: ${values.length} secret${values.length === 1 ? '' : 's'} exported${where}${names.length ? `: ${names.join(', ')}` : ''}\n`);
    return record(values);
  } catch (e) {
    // Nothing (or not everything) was handed on: a token this run created must not outlive the failure.
    if (s.owned) await revokeQuietly(env, s, retriesFor(env, o));
    throw e;
  } finally {
    s.client.close();
  }
}

/**
 * `keep ci exec -- CMD ARGS`: logs in, reads the secrets, masks them, runs CMD with them in its
 * environment only (nothing is written anywhere), forwards SIGINT/SIGTERM/SIGHUP to it, and when it
 * ends (success, failure or killed) revokes the token it logged in with, and so its leases.
 * Returns CMD's exit code (128 + signal number when killed). A token reused from `keep ci login`
 * is left valid (that step's `keep ci revoke` owns it). @throws CiError before CMD runs
 */
export async function ciExec(env: CiEnv, o: CiOptions, cmd: string[]): Promise<number> {
  if (cmd.length === 0 || cmd[0] === '') throw new CiError('keep ci exec needs a command: keep ci exec [flags] -- CMD [ARGS...]');
  const requests = parseSpec(o.secrets);
  const platform = resolvePlatform(env.env, o.platform);
  const s = await openSession(env, o, platform, 'stdout');
  let values: SecretValue[];
  try {
    env.stderr(loginLine(platform, o, s));
    values = await readSecrets(env, s.client, requests, { ignoreNotFound: o.ignoreNotFound, policies: s.policies });
    const bad = values.find((v) => !isEnvName(v.envName));
    if (bad) throw new CiError(`cannot put "${bad.envName}" (from ${bad.path}) in the environment: not a usable variable name; give it one with "| NAME"`);
    await maskValues(env, platform, values.map((v) => v.value), 'stdout');
  } catch (e) {
    if (s.owned) await revokeQuietly(env, s, retriesFor(env, o));
    s.client.close();
    throw e;
  }
  const childEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(env.env)) if (v !== undefined) childEnv[k] = v;
  for (const v of values) childEnv[v.envName] = v.value;
  if (o.exportToken) {
    childEnv[TOKEN_VAR] = s.token;
    childEnv[VAULT_TOKEN_VAR] = s.token;
  }
  env.stderr(`keep ci: running ${cmd[0]} with ${values.length} secret${values.length === 1 ? '' : 's'} in its environment${values.length ? `: ${values.map((v) => v.envName).join(', ')}` : ''}\n`);
  s.client.close();
  const spawnChild = env.spawnChild ?? ((c: string, a: string[], e: Record<string, string>) => spawnInherited(c, a, e, env.stderr));
  const exit = await spawnChild(cmd[0], cmd.slice(1), childEnv);
  const code = exitCodeOf(exit);
  const finish = async () => {
    if (s.owned) await revokeQuietly(env, s, retriesFor(env, o));
    else if (!o.token) env.stderr('keep ci: the token from keep ci login stays valid; revoke it with keep ci revoke\n');
    s.client.close();
  };
  await (env.shieldSignals ? env.shieldSignals(finish) : finish());
  return code;
}

/** Revokes a session's token; failures are reported on stderr, not thrown (the command's result stands). */
async function revokeQuietly(env: CiEnv, s: Session, retries: number): Promise<void> {
  try {
    const done = await revokeSelf(s.client, retries);
    env.stderr(done ? 'keep ci: token revoked (with its leases)\n' : 'keep ci: the token was already revoked or expired\n');
  } catch (e) {
    env.stderr(`keep ci: WARNING: ${(e as Error).message}; the token stays valid until its TTL ends\n`);
  }
}

/**
 * `keep ci revoke`: revokes the token `keep ci login` (or `secrets -export-token`, or the action's
 * saved state) left for the job, with its leases, and clears the variables for later steps where
 * the platform allows. Finding no such token is not an error (a post step after a failed login).
 * @throws CiError when the server cannot be reached or refuses
 */
export async function ciRevoke(env: CiEnv, o: Pick<CiOptions, 'addr' | 'caCert'> & Partial<Omit<CiOptions, 'addr' | 'caCert'>>): Promise<void> {
  const platform = resolvePlatform(env.env, o.platform);
  const found = findToken(env);
  if (!found) {
    env.stderr(`keep ci: no token from keep ci login or keep ci secrets found (${TOKEN_VAR} with ${ROLE_MARKER_VAR}); nothing to revoke\n`);
    return;
  }
  const client = makeClient(env, o);
  client.setToken(found.token);
  try {
    const done = await revokeSelf(client, retriesFor(env, o));
    env.stderr(done ? `keep ci: revoked the token from ${found.source} (with its leases)\n` : `keep ci: the token from ${found.source} was already revoked or expired\n`);
    await clearToken(env, platform);
  } finally {
    client.close();
  }
}
