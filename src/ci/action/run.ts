/**
 * The GitHub Action's two steps. `runMain` logs the job in with GitHub's OIDC token (or uses the
 * `token` input), reads the `secrets`, masks every value and exports them (GITHUB_ENV unless
 * `exportEnv: false`, GITHUB_OUTPUT always), and leaves the token it obtained in GITHUB_STATE;
 * `runPost` revokes that token when the job ends unless `revoke: false`. Both take a CiEnv, so
 * tests can run them against a simulated runner; main.ts and post.ts run them for real.
 */
import { ciRevoke, ciSecrets } from '../commands.ts';
import type { CiOptions } from '../commands.ts';
import type { CiEnv } from '../env.ts';
import { CiError } from '../errors.ts';
import { appendGithubFile, escapeCommandData, githubMaskCommands } from '../export/github.ts';
import { GITHUB_STATE_TOKEN, ROLE_MARKER_VAR, TOKEN_VAR, VAULT_TOKEN_VAR } from '../token-state.ts';
import { InputError, readInputs } from './inputs.ts';
import type { ActionInputs } from './inputs.ts';

/** Exit code of a failed step (`core.setFailed`). */
export const EXIT_FAILED = 1;

function options(inputs: ActionInputs): CiOptions {
  const o: CiOptions = {
    addr: inputs.url,
    role: inputs.method === 'token' ? '' : inputs.role,
    mount: inputs.path,
    secrets: inputs.secrets,
    format: 'auto',
    platform: 'github',
    ignoreNotFound: inputs.ignoreNotFound,
    exportToken: inputs.exportToken,
    exportEnv: inputs.exportEnv,
  };
  if (inputs.jwtGithubAudience !== '') o.audience = inputs.jwtGithubAudience;
  if (inputs.caCertificate !== '') o.caCert = inputs.caCertificate;
  return o;
}

/** `core.setFailed`: an `::error::` command, the `errorMessage` output, exit code 1. */
async function fail(ci: CiEnv, message: string): Promise<number> {
  ci.stdout(`::error::${escapeCommandData(message)}\n`);
  try {
    await appendGithubFile(ci, 'GITHUB_OUTPUT', [['errorMessage', message]]);
  } catch {
    // the error itself is what matters
  }
  return EXIT_FAILED;
}

function messageOf(e: unknown): string {
  if (e instanceof CiError || e instanceof InputError) return e.message;
  return `unexpected error: ${e instanceof Error ? e.message : String(e)}`;
}

/** The action's main step. @returns the step's exit code */
export async function runMain(ci: CiEnv): Promise<number> {
  let inputs: ActionInputs;
  try {
    inputs = readInputs(ci.env);
  } catch (e) {
    return fail(ci, messageOf(e));
  }
  if (inputs.method === 'token') {
    // A token given by the workflow: masked, used as is, never saved for the post step (not ours to revoke).
    ci.stdout(githubMaskCommands([inputs.token]));
    ci.env[TOKEN_VAR] = inputs.token;
    ci.env[ROLE_MARKER_VAR] = '';
  } else {
    // Only the GitHub job token may be used: a KEEP_TOKEN the workflow exported is not reused.
    delete ci.env[TOKEN_VAR];
    delete ci.env[ROLE_MARKER_VAR];
  }
  try {
    if (inputs.secrets === '') ci.stderr('keep: no secrets input; logging in only\n');
    await ciSecrets(ci, options(inputs));
    if (inputs.method === 'token' && inputs.exportToken) {
      await appendGithubFile(ci, 'GITHUB_ENV', [
        [TOKEN_VAR, inputs.token],
        [VAULT_TOKEN_VAR, inputs.token],
      ]);
    }
    if (inputs.method === 'jwt' && !inputs.revoke) ci.stderr('keep: revoke is false; the token stays valid until its TTL ends\n');
    return 0;
  } catch (e) {
    return fail(ci, messageOf(e));
  }
}

/** The action's post step: revokes the token the main step saved (STATE_keep_token). @returns the step's exit code */
export async function runPost(ci: CiEnv): Promise<number> {
  let inputs: ActionInputs;
  try {
    inputs = readInputs(ci.env);
  } catch (e) {
    // Without a url there is no server to talk to; main has reported the input error already.
    ci.stderr(`keep: nothing to revoke (${messageOf(e)})\n`);
    return 0;
  }
  const state = ci.env[`STATE_${GITHUB_STATE_TOKEN}`];
  if (!inputs.revoke) {
    ci.stderr('keep: revoke is false; leaving the token valid until its TTL ends\n');
    return 0;
  }
  if (state === undefined || state === '') {
    ci.stderr('keep: no token was saved by the main step; nothing to revoke\n');
    return 0;
  }
  // Revoke exactly the saved token: never a KEEP_TOKEN that a later step put in the environment.
  delete ci.env[TOKEN_VAR];
  delete ci.env[VAULT_TOKEN_VAR];
  delete ci.env[ROLE_MARKER_VAR];
  const o: CiOptions = options(inputs);
  try {
    await ciRevoke(ci, { addr: o.addr, caCert: o.caCert, platform: 'github' });
    return 0;
  } catch (e) {
    return fail(ci, `revoking the Keep token failed: ${messageOf(e)}`);
  }
}
