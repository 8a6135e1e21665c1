/**
 * Where `keep ci login` (and `keep ci secrets -export-token`) leave the Keep token for later steps,
 * and where `keep ci revoke` finds it. The token is masked before anything else. Three variables
 * travel together: KEEP_TOKEN and VAULT_TOKEN (the token, for `keep` and `vault` commands) and
 * KEEP_CI_ROLE (the role it was issued for: it marks the token as one `keep ci` issued, so that a
 * later `keep ci secrets` reuses it and `keep ci revoke` may revoke it; a KEEP_TOKEN a user set by
 * hand is never revoked). On GitHub the token is also saved in GITHUB_STATE (`keep_token`), which
 * an action's post step sees as STATE_keep_token.
 */
import type { CiEnv } from './env.ts';
import { exportItems } from './export/index.ts';
import type { ExportReport } from './export/index.ts';
import { buildkiteEnvUnset } from './export/buildkite.ts';
import { appendGithubFile } from './export/github.ts';
import type { CiPlatform } from './platform.ts';

export const TOKEN_VAR = 'KEEP_TOKEN';
export const VAULT_TOKEN_VAR = 'VAULT_TOKEN';
export const ROLE_MARKER_VAR = 'KEEP_CI_ROLE';
/** GITHUB_STATE name of the token; an action's post step reads it as `STATE_keep_token`. */
export const GITHUB_STATE_TOKEN = 'keep_token';

const STATE_ENV = `STATE_${GITHUB_STATE_TOKEN}`;

/** A token found in the job's environment. */
export interface FoundToken {
  token: string;
  /** Where it was found, for messages (never the value). */
  source: string;
  /** The role recorded beside it (KEEP_CI_ROLE), when known. */
  role?: string;
}

/** GitHub only: remembers the token for the action's post step (no other platform has step state). */
export async function saveTokenState(env: CiEnv, platform: CiPlatform, token: string): Promise<void> {
  if (platform === 'github') await appendGithubFile(env, 'GITHUB_STATE', [[GITHUB_STATE_TOKEN, token]]);
}

/** Masks the token, then hands KEEP_TOKEN, VAULT_TOKEN and KEEP_CI_ROLE to later steps the platform's way. */
export async function saveToken(env: CiEnv, platform: CiPlatform, token: string, role: string): Promise<ExportReport> {
  const report = await exportItems(
    env,
    platform,
    [
      { envName: TOKEN_VAR, value: token },
      { envName: VAULT_TOKEN_VAR, value: token },
      { envName: ROLE_MARKER_VAR, value: role, secret: false },
    ],
    { format: 'auto', outputs: false },
  );
  await saveTokenState(env, platform, token);
  return report;
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

/**
 * A token `keep ci login` left for this job whose recorded role is `role` (any role when `role` is
 * undefined or empty): KEEP_TOKEN with KEEP_CI_ROLE beside it.
 */
export function reusableToken(env: CiEnv, role?: string): FoundToken | undefined {
  const token = nonEmpty(env.env[TOKEN_VAR]);
  const marker = env.env[ROLE_MARKER_VAR];
  if (!token || marker === undefined) return undefined;
  if (role && marker !== role) return undefined;
  return { token, source: `${TOKEN_VAR} (from keep ci login, role ${marker || '(default)'})`, role: marker };
}

/** The token `keep ci revoke` should revoke: the action's saved state, else a KEEP_TOKEN marked by KEEP_CI_ROLE. */
export function findToken(env: CiEnv): FoundToken | undefined {
  const state = nonEmpty(env.env[STATE_ENV]);
  if (state) return { token: state, source: `the saved step state (${STATE_ENV})` };
  return reusableToken(env);
}

/** After a revoke: removes the variables from later steps where the platform allows it. */
export async function clearToken(env: CiEnv, platform: CiPlatform): Promise<void> {
  const names = [TOKEN_VAR, VAULT_TOKEN_VAR, ROLE_MARKER_VAR];
  switch (platform) {
    case 'github':
      await appendGithubFile(env, 'GITHUB_ENV', names.map((n) => [n, '']));
      return;
    case 'circleci':
      if (env.env.BASH_ENV) await env.appendFile(env.env.BASH_ENV, `unset ${names.join(' ')}\n`);
      return;
    case 'buildkite':
      await buildkiteEnvUnset(env, names);
      return;
    case 'azure':
      env.stdout(names.map((n) => `##vso[task.setvariable variable=${n}]\n`).join('') + `unset ${names.join(' ')}\n`);
      return;
    default:
      env.stdout(`unset ${names.join(' ')}\n`);
  }
}
