/**
 * Pipeline attribution (a Keep extension): which CI platform a job token comes from, the
 * normalised `ci_*` token metadata that tells audit and the UI which run did what, and the
 * stable-id claims behind the "binding on a mutable name" role warning.
 * Platform facts: shared/spec/ci-platforms.md.
 *
 * Normalisation rules:
 * - Every value is a non-empty string taken or derived from the claims only; integer claims
 *   (Buildkite's and Jenkins' `build_number`) become decimal strings; other types are skipped,
 *   and so are values longer than MAX_VALUE_LENGTH.
 * - `ci_ref` is the full ref (`refs/heads/<b>`, `refs/tags/<t>`) wherever the platform says
 *   whether it is a branch or a tag, else the bare name it gives.
 * - `ci_job_url` is built only where the claims name the web host: GitHub's known issuers,
 *   GitLab's `iss` (the instance URL), Buildkite's issuer, Azure's issuer plus the org/project
 *   names in `sub`, Jenkins' job URL in `sub`. No URL is guessed for a development issuer.
 */
import { BUILDKITE_ISSUER, isPresetName } from './presets.ts';

export type Platform = 'github' | 'gitlab' | 'circleci' | 'buildkite' | 'bitbucket' | 'azure' | 'jenkins' | 'gcb' | 'kubernetes';

export const PLATFORMS: readonly Platform[] = [
  'github',
  'gitlab',
  'circleci',
  'buildkite',
  'bitbucket',
  'azure',
  'jenkins',
  'gcb',
  'kubernetes',
];

/** Attribution values longer than this are left out of the token metadata. */
export const MAX_VALUE_LENGTH = 1024;

export function isPlatform(name: string): name is Platform {
  return (PLATFORMS as readonly string[]).includes(name);
}

const UUID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
const CIRCLECI_RE = new RegExp(`^https://oidc\\.circleci\\.com(?:/org/${UUID})?$`);
const AZURE_RE = new RegExp(`^https://vstoken\\.dev\\.azure\\.com/${UUID}$`);
const BITBUCKET_RE = /^https:\/\/api\.bitbucket\.org\/2\.0\/workspaces\/[^/]+\/pipelines-config\/identity\/oidc$/;
/** github.com (optionally with the enterprise slug path), GHE.com, GitHub Enterprise Server. */
const GITHUB_DOTCOM_RE = /^https:\/\/token\.actions\.githubusercontent\.com(?:\/[^/]+)?$/;
const GITHUB_GHECOM_RE = /^https:\/\/token\.actions\.([a-z0-9-]+)\.ghe\.com$/;
const GITHUB_GHES_RE = /^https:\/\/([^/]+)\/_services\/token$/;
/** gitlab.com, and instances whose host name starts with a `gitlab.` label (gitlab.example.com). */
const GITLAB_RE = /^https:\/\/gitlab\.[^/]+$/;

/**
 * The platform of a token: an explicit preset or platform name wins; otherwise the issuer when it
 * is one of the platforms' well-known issuers (or issuer shapes). Jenkins, Google Cloud Build and
 * Kubernetes have no recognisable issuer (Jenkins' and a cluster's are chosen by their admins,
 * Google's `accounts.google.com` signs every Google ID token, not only Cloud Build's); they are
 * recognised only by name. Self-managed GitLab on a host not named `gitlab.*` needs the preset.
 */
export function recognisePlatform(issuer: string, preset?: string): Platform | undefined {
  if (preset !== undefined) {
    const p = preset.trim().toLowerCase();
    if (isPlatform(p)) return p;
  }
  if (typeof issuer !== 'string') return undefined;
  const iss = issuer.replace(/\/+$/, '');
  if (GITHUB_DOTCOM_RE.test(iss) || GITHUB_GHECOM_RE.test(iss) || GITHUB_GHES_RE.test(iss)) return 'github';
  if (iss === BUILDKITE_ISSUER) return 'buildkite';
  if (CIRCLECI_RE.test(iss)) return 'circleci';
  if (BITBUCKET_RE.test(iss)) return 'bitbucket';
  if (AZURE_RE.test(iss)) return 'azure';
  if (GITLAB_RE.test(iss)) return 'gitlab';
  return undefined;
}

/** True if a name is a preset (github, gitlab, ...) or a platform (azure, jenkins, ...). */
export function isKnownPlatformName(name: string): boolean {
  return isPresetName(name) || isPlatform(name);
}

// ---------------------------------------------------------------------------------------------

type Claims = Record<string, unknown>;

function str(claims: Claims, name: string): string | undefined {
  const v = claims[name];
  if (typeof v === 'string') return v === '' || v.length > MAX_VALUE_LENGTH ? undefined : v;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return String(v);
  return undefined;
}

function fullRef(name: string | undefined, kind: 'branch' | 'tag' | undefined): string | undefined {
  if (name === undefined) return undefined;
  if (name.startsWith('refs/')) return name;
  if (kind === 'branch') return `refs/heads/${name}`;
  if (kind === 'tag') return `refs/tags/${name}`;
  return name;
}

function githubWebBase(iss: string | undefined): string | undefined {
  if (iss === undefined) return undefined;
  const i = iss.replace(/\/+$/, '');
  if (GITHUB_DOTCOM_RE.test(i)) return 'https://github.com';
  const ghe = GITHUB_GHECOM_RE.exec(i);
  if (ghe) return `https://${ghe[1]}.ghe.com`;
  const ghes = GITHUB_GHES_RE.exec(i);
  if (ghes) return `https://${ghes[1]}`;
  return undefined;
}

function github(c: Claims, out: Record<string, string>): void {
  const repository = str(c, 'repository');
  const runId = str(c, 'run_id');
  const attempt = str(c, 'run_attempt');
  set(out, 'ci_repository', repository);
  set(out, 'ci_ref', str(c, 'ref'));
  set(out, 'ci_workflow', str(c, 'workflow_ref') ?? str(c, 'workflow'));
  set(out, 'ci_run_id', runId);
  set(out, 'ci_run_attempt', attempt);
  set(out, 'ci_sha', str(c, 'sha'));
  set(out, 'ci_actor', str(c, 'actor'));
  const base = githubWebBase(str(c, 'iss'));
  if (base && repository && /^[^/]+\/[^/]+$/.test(repository) && runId && /^\d+$/.test(runId)) {
    let url = `${base}/${repository}/actions/runs/${runId}`;
    if (attempt && /^\d+$/.test(attempt)) url += `/attempts/${attempt}`;
    set(out, 'ci_job_url', url);
  }
}

function gitlab(c: Claims, out: Record<string, string>): void {
  const refType = str(c, 'ref_type');
  const kind = refType === 'branch' || refType === 'tag' ? refType : undefined;
  set(out, 'ci_repository', str(c, 'project_path'));
  set(out, 'ci_ref', str(c, 'ref_path') ?? fullRef(str(c, 'ref'), kind));
  set(out, 'ci_workflow', str(c, 'ci_config_ref_uri'));
  set(out, 'ci_run_id', str(c, 'pipeline_id'));
  set(out, 'ci_sha', str(c, 'sha'));
  set(out, 'ci_actor', str(c, 'user_login'));
  // The job runs in job_project_path (differs from project_path for fork merge requests);
  // `iss` is the instance URL.
  const iss = str(c, 'iss')?.replace(/\/+$/, '');
  const project = str(c, 'job_project_path') ?? str(c, 'project_path');
  const jobId = str(c, 'job_id');
  if (iss && /^https?:\/\/[^/?#]+(\/[^?#]*)?$/.test(iss) && project && jobId && /^\d+$/.test(jobId)) {
    set(out, 'ci_job_url', `${iss}/${project}/-/jobs/${jobId}`);
  }
}

function circleci(c: Claims, out: Record<string, string>): void {
  set(out, 'ci_repository', str(c, 'oidc.circleci.com/vcs-origin'));
  set(out, 'ci_ref', str(c, 'oidc.circleci.com/vcs-ref'));
  set(out, 'ci_workflow', str(c, 'oidc.circleci.com/workflow-id'));
  set(out, 'ci_run_id', str(c, 'oidc.circleci.com/pipeline-id'));
  // sub: org/<org>/project/<project>/user/<user>[/vcs-origin/...]
  const user = /^org\/[^/]+\/project\/[^/]+\/user\/([^/]+)/.exec(str(c, 'sub') ?? '');
  set(out, 'ci_actor', user?.[1]);
}

function buildkite(c: Claims, out: Record<string, string>): void {
  const org = str(c, 'organization_slug');
  const pipeline = str(c, 'pipeline_slug');
  const build = str(c, 'build_number');
  const tag = str(c, 'build_tag');
  if (org && pipeline) set(out, 'ci_repository', `${org}/${pipeline}`);
  set(out, 'ci_ref', tag !== undefined ? fullRef(tag, 'tag') : fullRef(str(c, 'build_branch'), 'branch'));
  set(out, 'ci_run_id', build);
  set(out, 'ci_sha', str(c, 'build_commit'));
  if (str(c, 'iss') === BUILDKITE_ISSUER && org && pipeline && build && /^\d+$/.test(build)) {
    const job = str(c, 'job_id');
    const seg = (s: string) => encodeURIComponent(s);
    set(out, 'ci_job_url', `https://buildkite.com/${seg(org)}/${seg(pipeline)}/builds/${build}${job ? `#${seg(job)}` : ''}`);
  }
}

function bitbucket(c: Claims, out: Record<string, string>): void {
  set(out, 'ci_repository', str(c, 'repositoryUuid'));
  set(out, 'ci_ref', fullRef(str(c, 'branchName'), 'branch'));
  set(out, 'ci_run_id', str(c, 'pipelineUuid'));
}

function azure(c: Claims, out: Record<string, string>): void {
  const runId = str(c, 'run_id');
  set(out, 'ci_repository', str(c, 'rpo_uri'));
  set(out, 'ci_ref', str(c, 'rpo_ref'));
  set(out, 'ci_run_id', runId);
  set(out, 'ci_sha', str(c, 'rpo_ver'));
  // Pipeline identity tokens: sub = p://<org>/<project>/<pipeline> (names).
  const sub = /^p:\/\/([^/]+)\/([^/]+)\/(.+)$/.exec(str(c, 'sub') ?? '');
  if (sub) set(out, 'ci_workflow', `${sub[1]}/${sub[2]}/${sub[3]}`);
  const iss = str(c, 'iss');
  if (sub && runId && /^\d+$/.test(runId) && iss && AZURE_RE.test(iss)) {
    const seg = (s: string) => encodeURIComponent(s);
    set(out, 'ci_job_url', `https://dev.azure.com/${seg(sub[1])}/${seg(sub[2])}/_build/results?buildId=${runId}`);
  }
}

function jenkins(c: Claims, out: Record<string, string>): void {
  // Default claim templates: sub = ${JOB_URL} (…/job/<folder>/job/<name>/), build_number = integer.
  const sub = str(c, 'sub');
  const build = str(c, 'build_number');
  set(out, 'ci_repository', str(c, 'git_url'));
  set(out, 'ci_run_id', build);
  if (sub && /^https?:\/\/[^?#]+\/job\/[^?#]+\/$/.test(sub)) {
    let path = '';
    try {
      path = new URL(sub).pathname;
    } catch {
      return;
    }
    const parts = [...path.matchAll(/\/job\/([^/]+)/g)].map((m) => safeDecode(m[1]));
    if (parts.length > 0) set(out, 'ci_workflow', parts.join('/'));
    if (build && /^\d+$/.test(build)) set(out, 'ci_job_url', `${sub}${build}/`);
  }
}

function gcb(c: Claims, out: Record<string, string>): void {
  const email = str(c, 'email');
  if (email && /\.gserviceaccount\.com$/.test(email)) set(out, 'ci_actor', email);
}

function kubernetes(c: Claims, out: Record<string, string>): void {
  const sub = str(c, 'sub');
  if (sub && sub.startsWith('system:serviceaccount:')) set(out, 'ci_actor', sub);
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function set(out: Record<string, string>, key: string, value: string | undefined): void {
  if (value !== undefined && value !== '' && value.length <= MAX_VALUE_LENGTH) out[key] = value;
}

const MAPPERS: Record<Platform, (c: Claims, out: Record<string, string>) => void> = {
  github,
  gitlab,
  circleci,
  buildkite,
  bitbucket,
  azure,
  jenkins,
  gcb,
  kubernetes,
};

/**
 * The `ci_*` token metadata for a platform's claim set: ci_platform always, then those of
 * ci_repository, ci_ref, ci_workflow, ci_run_id, ci_run_attempt, ci_sha, ci_actor, ci_job_url
 * that the platform's claims carry. All values are strings.
 */
export function attributionMetadata(platform: Platform, claims: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = { ci_platform: platform };
  const mapper = MAPPERS[platform];
  if (mapper && claims !== null && typeof claims === 'object') mapper(claims, out);
  return out;
}

// ---------------------------------------------------------------------------------------------

/** Mutable-name claim -> the platform's rename-proof id claim (spec sections 2-8). */
const STABLE_IDS: Record<Platform, Record<string, string>> = {
  github: {
    repository: 'repository_id',
    repository_owner: 'repository_owner_id',
    actor: 'actor_id',
    enterprise: 'enterprise_id',
  },
  gitlab: {
    project_path: 'project_id',
    namespace_path: 'namespace_id',
    job_project_path: 'job_project_id',
    job_namespace_path: 'job_namespace_id',
    user_login: 'user_id',
  },
  circleci: { 'oidc.circleci.com/vcs-origin': 'oidc.circleci.com/project-id' },
  // organization_id / pipeline_id are optional claims (`--claim`); a role can bind them once added.
  buildkite: { organization_slug: 'organization_id', pipeline_slug: 'pipeline_id' },
  bitbucket: {},
  // sub carries names (p://<org>/<project>/<pipeline>); def_id (with prj_id) is the stable id.
  azure: { sub: 'def_id' },
  jenkins: {},
  // A service account deleted and re-created under the same email gets a new numeric sub.
  gcb: { email: 'sub' },
  kubernetes: {},
};

/** Stable-id claims of a platform for the mutable-name warning (a fresh object; {} when unknown). */
export function stableIdClaims(platform: Platform | undefined): Record<string, string> {
  if (platform === undefined || !isPlatform(platform)) return {};
  return { ...STABLE_IDS[platform] };
}
