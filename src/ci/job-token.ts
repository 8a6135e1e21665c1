/**
 * Getting the job's identity token (spec ci-platforms.md 9.5): an explicit one first (-jwt-env,
 * KEEP_JWT, KEEP_JWT_FILE), else the platform's way. Errors say what to change in the pipeline.
 */
import type { CiEnv } from './env.ts';
import { CI_EXIT_LOCAL, CI_EXIT_REMOTE, CiError } from './errors.ts';
import type { CiPlatform } from './platform.ts';

/** What shapes the token request. */
export interface JobTokenOptions {
  /** Audience to ask for, where the platform lets the job choose (GitHub, Buildkite, CircleCI CLI). */
  audience?: string;
  /** Name of the variable that holds the token (GitLab `id_tokens` name, Jenkins binding). */
  jwtEnv?: string;
}

/** A job token and where it came from. */
export interface JobTokenSource {
  jwt: string;
  /** Where the token came from, for messages (`$CIRCLE_OIDC_TOKEN_V2`, `buildkite-agent oidc request-token`). */
  source: string;
  /** Mints a fresh token the same way, when the platform can (GitHub, Buildkite, Azure, the CircleCI CLI). */
  remint?: () => Promise<string>;
}

const HTTP_TIMEOUT_MS = 30_000;
const HTTP_ATTEMPTS = 3;

function val(env: CiEnv, name: string): string | undefined {
  const v = env.env[name];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

function fromVars(env: CiEnv, names: string[]): JobTokenSource | undefined {
  for (const n of names) {
    const v = val(env, n);
    if (v) return { jwt: v, source: `$${n}` };
  }
  return undefined;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** An HTTP token request with a timeout, retried on network errors, 429 and 5xx. Returns the parsed JSON body. */
async function tokenRequest(env: CiEnv, what: string, url: string, init: RequestInit): Promise<Record<string, unknown>> {
  let last = '';
  for (let attempt = 0; attempt < HTTP_ATTEMPTS; attempt++) {
    if (attempt > 0) await sleep(1000 * 2 ** (attempt - 1));
    let res: Response;
    try {
      res = await env.fetch(url, { ...init, signal: AbortSignal.timeout(HTTP_TIMEOUT_MS) });
    } catch (e) {
      const cause = (e as { cause?: { code?: string } }).cause;
      last = cause?.code ?? (e as Error).message;
      continue;
    }
    const text = await res.text();
    if (res.status === 429 || res.status >= 500) {
      last = `HTTP ${res.status}`;
      continue;
    }
    if (!res.ok) throw new CiError(`${what} was refused: HTTP ${res.status}${text.trim() ? ` ${text.trim().slice(0, 200)}` : ''}`, CI_EXIT_REMOTE);
    try {
      const body: unknown = JSON.parse(text);
      if (typeof body === 'object' && body !== null && !Array.isArray(body)) return body as Record<string, unknown>;
    } catch {
      // fall through
    }
    throw new CiError(`${what} answered with something that is not a JSON object`, CI_EXIT_REMOTE);
  }
  throw new CiError(`${what} failed after ${HTTP_ATTEMPTS} attempts (${last})`, CI_EXIT_REMOTE);
}

async function githubToken(env: CiEnv, audience: string | undefined): Promise<string> {
  const url = val(env, 'ACTIONS_ID_TOKEN_REQUEST_URL');
  const bearer = val(env, 'ACTIONS_ID_TOKEN_REQUEST_TOKEN');
  if (!url || !bearer) {
    const fork = env.env.GITHUB_EVENT_NAME === 'pull_request' ? ' (pull requests from forks cannot request ID tokens at all)' : '';
    throw new CiError(
      'GitHub Actions gave this job no ID token request (ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN are not set): ' +
        `add "permissions: id-token: write" to the workflow or the job${fork}`,
    );
  }
  const full = audience ? `${url}${url.includes('?') ? '&' : '?'}audience=${encodeURIComponent(audience)}` : url;
  const body = await tokenRequest(env, 'the GitHub ID token request', full, {
    method: 'GET',
    headers: { authorization: `Bearer ${bearer}`, accept: 'application/json', 'user-agent': 'keep-ci' },
  });
  if (typeof body.value !== 'string' || body.value === '') throw new CiError('the GitHub ID token request answered without a token (.value)', CI_EXIT_REMOTE);
  return body.value;
}

async function azureToken(env: CiEnv): Promise<string> {
  const uri = val(env, 'SYSTEM_OIDCREQUESTURI');
  const bearer = val(env, 'SYSTEM_ACCESSTOKEN');
  if (!uri) throw new CiError('Azure Pipelines gave this job no SYSTEM_OIDCREQUESTURI: set KEEP_JWT (the token) or KEEP_JWT_FILE (a file holding it)');
  if (!bearer) throw new CiError('SYSTEM_ACCESSTOKEN is not set: map it into the step with "env: { SYSTEM_ACCESSTOKEN: $(System.AccessToken) }"');
  const url = `${uri}${uri.includes('?') ? '&' : '?'}api-version=7.1`;
  const body = await tokenRequest(env, 'the Azure Pipelines OIDC token request', url, {
    method: 'POST',
    headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json', 'x-tfs-fedauthredirect': 'Suppress', accept: 'application/json' },
    body: '{}',
  });
  if (typeof body.oidcToken !== 'string' || body.oidcToken === '') throw new CiError('the Azure Pipelines OIDC token request answered without a token (.oidcToken)', CI_EXIT_REMOTE);
  return body.oidcToken;
}

async function buildkiteToken(env: CiEnv, audience: string | undefined): Promise<string> {
  const args = ['oidc', 'request-token', ...(audience ? ['--audience', audience] : [])];
  const r = await env.run('buildkite-agent', args);
  if (r.code === 127) throw new CiError('buildkite-agent is not on PATH: run keep ci inside a Buildkite job (or set KEEP_JWT)');
  const jwt = r.stdout.trim();
  if (r.code !== 0 || jwt === '') {
    throw new CiError(`buildkite-agent oidc request-token failed (exit ${r.code})${r.stderr.trim() ? `: ${r.stderr.trim().slice(0, 300)}` : ''}`, CI_EXIT_REMOTE);
  }
  return jwt;
}

async function circleciCliToken(env: CiEnv, audience: string): Promise<string | undefined> {
  const r = await env.run('circleci', ['run', 'oidc', 'get', '--claims', JSON.stringify({ aud: audience })]);
  if (r.code === 127) return undefined;
  const jwt = r.stdout.trim();
  if (r.code !== 0 || jwt === '') {
    throw new CiError(`circleci run oidc get failed (exit ${r.code})${r.stderr.trim() ? `: ${r.stderr.trim().slice(0, 300)}` : ''}`, CI_EXIT_REMOTE);
  }
  return jwt;
}

function missing(platform: CiPlatform, opts: JobTokenOptions): CiError {
  const aud = opts.audience ?? '<the audience your Keep role expects>';
  switch (platform) {
    case 'gitlab':
      return new CiError(
        'no GitLab ID token in KEEP_ID_TOKEN or VAULT_ID_TOKEN: define one in the job,\n' +
          `  id_tokens:\n    KEEP_ID_TOKEN:\n      aud: ${aud}\nor name your id_tokens variable with -jwt-env`,
      );
    case 'circleci':
      return new CiError(
        'CircleCI gave this job no OIDC token (CIRCLE_OIDC_TOKEN_V2 and CIRCLE_OIDC_TOKEN are not set): OIDC tokens need CircleCI cloud or ' +
          'server 4.4+, and forked pull requests get them only with "Pass secrets to builds from forked pull requests"',
      );
    case 'bitbucket':
      return new CiError('Bitbucket gave this step no OIDC token (BITBUCKET_STEP_OIDC_TOKEN is not set): add "oidc: true" to the step in bitbucket-pipelines.yml');
    case 'jenkins':
      return new CiError(
        'no job token: bind an "OpenID Connect id token" credential, e.g. ' +
          "withCredentials([string(credentialsId: 'keep-id-token', variable: 'KEEP_JWT')]) { ... }, or set KEEP_JWT_FILE",
      );
    default:
      return new CiError('no job token: set KEEP_JWT (the token) or KEEP_JWT_FILE (a file holding it), or -jwt-env naming the variable that holds it');
  }
}

/**
 * The job's token and its source. Order: -jwt-env, KEEP_JWT, KEEP_JWT_FILE, then the platform:
 * GitHub's token request (`&audience=`), GitLab KEEP_ID_TOKEN then VAULT_ID_TOKEN, CircleCI
 * `circleci run oidc get` when an audience is asked for (else CIRCLE_OIDC_TOKEN_V2 then
 * CIRCLE_OIDC_TOKEN), `buildkite-agent oidc request-token`, BITBUCKET_STEP_OIDC_TOKEN, Azure's
 * OIDC request, KEEP_ID_TOKEN for Jenkins and generic jobs.
 * @throws CiError naming what the pipeline must provide.
 */
export async function jobTokenSource(env: CiEnv, platform: CiPlatform, opts: JobTokenOptions = {}): Promise<JobTokenSource> {
  if (opts.jwtEnv) {
    const v = val(env, opts.jwtEnv);
    if (!v) {
      const hint = platform === 'gitlab' ? ` (define it under the job's id_tokens:)` : '';
      throw new CiError(`-jwt-env ${opts.jwtEnv}: the variable ${opts.jwtEnv} is not set or empty${hint}`);
    }
    return { jwt: v, source: `$${opts.jwtEnv}` };
  }
  const explicit = fromVars(env, ['KEEP_JWT']);
  if (explicit) return explicit;
  const file = val(env, 'KEEP_JWT_FILE');
  if (file) {
    let text: string;
    try {
      text = await env.readFile(file);
    } catch (e) {
      throw new CiError(`KEEP_JWT_FILE ${file}: ${(e as Error).message}`, CI_EXIT_LOCAL);
    }
    // Re-read on a new attempt: projected token files are rotated.
    const read = async () => (await env.readFile(file)).trim();
    if (text.trim() === '') throw new CiError(`KEEP_JWT_FILE ${file} is empty`);
    return { jwt: text.trim(), source: `KEEP_JWT_FILE ${file}`, remint: read };
  }
  switch (platform) {
    case 'github': {
      const mint = () => githubToken(env, opts.audience);
      return { jwt: await mint(), source: 'the GitHub Actions ID token request', remint: mint };
    }
    case 'gitlab':
      return fromVars(env, ['KEEP_ID_TOKEN', 'VAULT_ID_TOKEN']) ?? throwIt(missing(platform, opts));
    case 'circleci': {
      if (opts.audience) {
        const aud = opts.audience;
        const jwt = await circleciCliToken(env, aud);
        if (jwt !== undefined) {
          return { jwt, source: 'circleci run oidc get', remint: async () => (await circleciCliToken(env, aud)) ?? jwt };
        }
        env.stderr(`keep ci: the circleci CLI is not available to request audience ${aud}; using the job's token (audience = the organization id)\n`);
      }
      return fromVars(env, ['CIRCLE_OIDC_TOKEN_V2', 'CIRCLE_OIDC_TOKEN']) ?? throwIt(missing(platform, opts));
    }
    case 'buildkite': {
      const mint = () => buildkiteToken(env, opts.audience);
      return { jwt: await mint(), source: 'buildkite-agent oidc request-token', remint: mint };
    }
    case 'bitbucket':
      return fromVars(env, ['BITBUCKET_STEP_OIDC_TOKEN']) ?? throwIt(missing(platform, opts));
    case 'azure': {
      if (!val(env, 'SYSTEM_OIDCREQUESTURI')) throw missing(platform, opts);
      const mint = () => azureToken(env);
      return { jwt: await mint(), source: 'the Azure Pipelines OIDC token request', remint: mint };
    }
    default:
      return fromVars(env, ['KEEP_ID_TOKEN']) ?? throwIt(missing(platform, opts));
  }
}

function throwIt(e: Error): never {
  throw e;
}

/** The job's token (see {@link jobTokenSource}). @throws CiError */
export async function jobToken(env: CiEnv, platform: CiPlatform, opts: JobTokenOptions = {}): Promise<string> {
  return (await jobTokenSource(env, platform, opts)).jwt;
}
