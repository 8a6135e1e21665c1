/**
 * Which CI platform runs this job (spec ci-platforms.md 9.5, in that order), and how it hands the
 * job its identity token (job-token.ts, re-exported here).
 */
import { CiError } from './errors.ts';

export type CiPlatform = 'github' | 'gitlab' | 'circleci' | 'buildkite' | 'bitbucket' | 'azure' | 'jenkins' | 'generic';

/** Every platform, in detection order (generic last). */
export const CI_PLATFORMS: readonly CiPlatform[] = ['github', 'gitlab', 'circleci', 'buildkite', 'bitbucket', 'azure', 'jenkins', 'generic'];

/** Human names for messages. */
export const PLATFORM_NAMES: Record<CiPlatform, string> = {
  github: 'GitHub Actions',
  gitlab: 'GitLab CI',
  circleci: 'CircleCI',
  buildkite: 'Buildkite',
  bitbucket: 'Bitbucket Pipelines',
  azure: 'Azure Pipelines',
  jenkins: 'Jenkins',
  generic: 'generic CI',
};

export function isCiPlatform(name: string): name is CiPlatform {
  return (CI_PLATFORMS as readonly string[]).includes(name);
}

function set(v: string | undefined): boolean {
  return v !== undefined && v !== '';
}

/**
 * The platform from the job's environment: GITHUB_ACTIONS=true, GITLAB_CI=true, CIRCLECI=true,
 * BUILDKITE=true, BITBUCKET_BUILD_NUMBER (or BITBUCKET_PIPELINE_UUID) set, TF_BUILD=True,
 * JENKINS_URL and BUILD_NUMBER set; anything else is `generic`.
 */
export function detectPlatform(env: Record<string, string | undefined>): CiPlatform {
  if (env.GITHUB_ACTIONS === 'true') return 'github';
  if (env.GITLAB_CI === 'true') return 'gitlab';
  if (env.CIRCLECI === 'true') return 'circleci';
  if (env.BUILDKITE === 'true') return 'buildkite';
  if (set(env.BITBUCKET_BUILD_NUMBER) || set(env.BITBUCKET_PIPELINE_UUID)) return 'bitbucket';
  if ((env.TF_BUILD ?? '').toLowerCase() === 'true') return 'azure';
  if (set(env.JENKINS_URL) && set(env.BUILD_NUMBER)) return 'jenkins';
  return 'generic';
}

/**
 * The platform to act as: an explicit choice (`-platform`, else KEEP_CI_PLATFORM), else
 * {@link detectPlatform}. @throws CiError for an unknown name.
 */
export function resolvePlatform(env: Record<string, string | undefined>, explicit?: string): CiPlatform {
  const chosen = explicit || env.KEEP_CI_PLATFORM;
  if (!chosen) return detectPlatform(env);
  if (!isCiPlatform(chosen)) throw new CiError(`unknown CI platform "${chosen}"; valid platforms: ${CI_PLATFORMS.join(', ')}`);
  return chosen;
}

export { jobToken, jobTokenSource } from './job-token.ts';
export type { JobTokenOptions, JobTokenSource } from './job-token.ts';
